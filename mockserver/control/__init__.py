"""The control API under `/_mock/` and its dashboard: the operator's (and the tests') controls.

`controller` is the one front object: the routes, the dashboard, the pytest plugin, `contracts/`
and `bench/` all steer a mock through it. `routes` is its HTTP face, `summaries` the JSON views.

Rule: imports the domain and `wire`, never the vendor shell, webhooks or persistence (they reach
the controller through the small protocols it declares).
"""

from mockserver.control.controller import Controller
from mockserver.control.scope import OPERATOR, Scope

__all__ = ["OPERATOR", "Controller", "Scope"]
