"""The model catalog (fixtures/models.json): capabilities for validation, rows for the endpoint.

One file is the single source for `GET /videos/models`, for request validation and for pricing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from math import gcd
from pathlib import Path
from typing import Any

from mockserver._resources import catalog_path

__all__ = ["RESOLUTION_SHORT_SIDE", "Catalog", "ModelSpec", "describe_size", "size_for"]

# Short side in pixels of each named resolution; the long side follows from the aspect ratio.
RESOLUTION_SHORT_SIDE: dict[str, int] = {
    "360p": 360,  # 2026-10
    "480p": 480,
    "768p": 768,  # 2026-10
    "720p": 720,
    "1080p": 1080,
    "1K": 1024,
    "2K": 1440,
    "4K": 2160,
}


def size_for(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """Pixel size of a resolution at an aspect ratio, both sides even (1280x720 for 720p 16:9)."""
    short = RESOLUTION_SHORT_SIDE[resolution]
    a, b = (int(part) for part in aspect_ratio.split(":"))
    if a >= b:
        return round(short * a / b / 2) * 2, short
    return short, round(short * b / a / 2) * 2


def describe_size(width: int, height: int) -> tuple[str | None, str | None]:
    """The (resolution, aspect ratio) a pixel size stands for, or None where none fits."""
    resolution = next((name for name, side in RESOLUTION_SHORT_SIDE.items() if side == min(width, height)), None)
    for ratio in ("16:9", "9:16", "1:1", "4:3", "3:4", "3:2", "2:3", "21:9", "9:21"):
        a, b = (int(part) for part in ratio.split(":"))
        if abs(width / height - a / b) < 0.01:
            return resolution, ratio
    divisor = gcd(width, height)
    return resolution, f"{width // divisor}:{height // divisor}" if divisor else None


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One catalog row, with the capability fields the validator needs typed."""

    row: Mapping[str, Any]
    # Worked out once from the row and kept with it, so that two catalogs never share an entry:
    # `requests`' rules for the row (under "rules") and `pricing`'s cost of each variant priced.
    derived: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    priced: dict[tuple[Any, ...], tuple[Decimal, str | None]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def id(self) -> str:
        return str(self.row["id"])

    def allowed(self, key: str) -> list[Any] | None:
        """A `supported_*` list as the catalog orders it; None means the model has no such option."""
        value = self.row.get(key)
        return list(value) if value is not None else None

    @property
    def audio(self) -> bool:
        return self.row.get("generate_audio") is True

    @property
    def seed(self) -> bool:
        return self.row.get("seed") is True

    @property
    def prices(self) -> dict[str, str]:
        return dict(self.row.get("pricing_skus") or {})


class Catalog:
    """The models, newest first, as the endpoint lists them."""

    def __init__(
        self,
        rows: list[dict[str, Any]],
        capabilities: Mapping[str, Mapping[str, Any]] | None = None,
        removed: frozenset[str] = frozenset(),
    ) -> None:
        self._rows = rows
        self._by_id = {str(row["id"]): ModelSpec(row) for row in rows}
        # Request rules the wire format has no field for (never served): `<stem>.capabilities.json`.
        self.capabilities: Mapping[str, Mapping[str, Any]] = capabilities or {}
        # Ids the vendor took away: a submit naming one gets its exact "does not exist" answer.
        self.removed = removed - set(self._by_id)

    @classmethod
    def load(cls, path: Path | None = None) -> Catalog:
        path = path or catalog_path()
        with path.open(encoding="utf-8") as handle:
            rows = json.load(handle)["data"]
        sidecar = path.with_name(f"{path.stem}.capabilities.json")
        extra = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else {}
        return cls(rows, extra.get("models"), frozenset(extra.get("removed", ())))

    def without(self, removed: frozenset[str]) -> Catalog:
        """This catalog with `removed` taken out (rows dropped, submits naming them refused)."""
        rows = [row for row in self._rows if row["id"] not in removed]
        return Catalog(rows, self.capabilities, self.removed | removed)

    def capability(self, model_id: str) -> Mapping[str, Any]:
        """A model's mock-only request rules ({} when the catalog has none)."""
        return self.capabilities.get(model_id, {})

    def get(self, model_id: str) -> ModelSpec | None:
        return self._by_id.get(model_id)

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self._by_id.values())

    @cached_property
    def response_bytes(self) -> bytes:
        """The endpoint's body, serialised once: the catalog never changes while serving."""
        return json.dumps({"data": self._rows}, separators=(",", ":")).encode()
