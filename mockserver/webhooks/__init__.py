"""Webhooks: one POST per job that ends, on the mock's clock, signed and retried.

`dispatcher` listens to the domain's transitions and sends what is due, `delivery` is one
delivery's schedule and attempts, `signing` the documented signature, `policy` which callback
URLs the mock may contact at all.

Rule: driven by the domain's transitions; imports the domain and `wire`, never the shell.
"""

from mockserver.webhooks.dispatcher import WebhookConfigError, WebhookDispatcher
from mockserver.webhooks.signing import sign, verify

__all__ = ["WebhookConfigError", "WebhookDispatcher", "sign", "verify"]
