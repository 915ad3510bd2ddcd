"""The Schemathesis schema of the contract, bound to an in-process app or to a live base URL."""

from __future__ import annotations

from typing import Any

import schemathesis

from . import checks
from .document import document_path
from .settings import SuiteSettings, build_config

__all__ = ["load_schema"]


def load_schema(settings: SuiteSettings, *, app: Any = None) -> Any:
    """The document's schema with our explicit config and the custom checks registered.

    With `app` (an ASGI app, e.g. `mockserver.create_app(...)`) every request runs in-process
    (`http://testserver` + the document's base path); otherwise `settings.base_url` is used.
    """
    if app is None and settings.base_url is None:
        raise ValueError("give an app (in-process) or settings.base_url (live server)")
    checks.register()
    schema = schemathesis.openapi.from_path(str(document_path()), config=build_config(settings))
    if app is not None:
        schema.app = app
    return schema
