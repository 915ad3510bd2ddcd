"""The suite was written against the seeds' API (2026-06): it pins that version for every config,
fixture and spawned server that names none (`MODELGATES_API_VERSION`). Tests of 2026-10 name it."""

from __future__ import annotations

import os

os.environ.setdefault("MODELGATES_API_VERSION", "2026-06")
