"""The vendor's wire formats, free of any web framework: shared by the shell, control and webhooks.

`render` writes jobs as the API shows them (vendor key order, absent fields omitted), `auth`
reads bearer tokens and checks them against the key rules, `body` reads request bodies with a
size limit and decodes them as strict JSON.

Rule: imports only the domain; no Starlette, no ASGI application code.
"""

from mockserver.wire.auth import bearer_token, token_of
from mockserver.wire.render import job_bytes, json_bytes, render_job

__all__ = ["bearer_token", "job_bytes", "json_bytes", "render_job", "token_of"]
