"""`python -m contracts URL --key KEY`."""

from __future__ import annotations

import sys

from .url_check.cli import main

sys.exit(main())
