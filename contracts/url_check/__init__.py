"""`python -m contracts URL`: the server suite against any live deployment, with a readable report."""
