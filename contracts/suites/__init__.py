"""This project's Schemathesis suites: the server in-process, the client's property tests, the custom
checks and the bounded lifecycle probe (shared with `url_check`)."""
