"""Where the shipped data lives: the OpenAPI document, catalog, scenarios and MP4 fixtures.

A wheel carries them under `mockserver/_data/` (see `force-include` in pyproject.toml); a
source checkout or editable install has them at the repository root. Both are tried, so the
server works from any working directory.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = [
    "catalog_path",
    "control_document_path",
    "dashboard_path",
    "data_root",
    "openapi_path",
    "scenarios_dir",
    "videos_dir",
]

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    for root in (_PACKAGE / "_data", _PACKAGE.parent):
        if (root / "openapi" / "modelgates.yaml").is_file():
            return root
    raise FileNotFoundError("modelgates-mock data not found: reinstall the package (pip install modelgates-mock)")


def openapi_path(name: str = "modelgates.yaml") -> Path:
    """The vendor document `name` (each API version has its own) under openapi/."""
    return data_root() / "openapi" / name


def control_document_path() -> Path:
    return data_root() / "openapi" / "control.yaml"


def dashboard_path() -> Path:
    return _PACKAGE / "dashboard.html"  # inside the package, so every install has it


def catalog_path(relative: str = "fixtures/models.json") -> Path:
    """A built-in catalog (each API version has its own) under the data root."""
    return data_root() / relative


def scenarios_dir() -> Path:
    return data_root() / "fixtures" / "scenarios"


def videos_dir() -> Path:
    return data_root() / "fixtures" / "videos"
