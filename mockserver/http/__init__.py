"""The HTTP shell: the vendor's four routes on raw ASGI, everything else through Starlette.

`app` composes one mock (`create_app`: the only place every layer meets), `guard` journals and
envelopes every request, `vendor` answers the four operations, `content` serves videos with
Range, `documents` serves and applies the OpenAPI document; `transport` (in-process, sync httpx)
and `server` (a loopback uvicorn thread) host it.

Rule: the shell parses, calls the domain and renders; it holds no behaviour of its own. Nothing
outside this package imports it but the CLI, the package root and `contracts/`.
"""

from mockserver.http.app import MockApp, create_app, mock_controller

__all__ = ["MockApp", "create_app", "mock_controller"]
