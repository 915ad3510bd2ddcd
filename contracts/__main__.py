"""`python -m contracts URL --key KEY`."""

from __future__ import annotations

import sys

from contracts.cli import main

sys.exit(main())
