"""`modelgates-video models`: the catalog as a table (or JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from client import ModelGates, VideoModel
from client.select import lowest_advertised_price

__all__ = ["durations_text", "list_models", "models_table"]


def list_models(client: ModelGates, *, as_json: bool) -> int:
    models = client.list_models()
    if as_json:
        print(json.dumps({"data": [model.model_dump(mode="json") for model in models]}, indent=2))
    else:
        print(models_table(models))
    return 0


def models_table(models: Sequence[VideoModel]) -> str:
    """A fixed-width table, one model per row in catalog order (newest first)."""
    header = ("ID", "DURATIONS", "RESOLUTIONS", "ASPECT RATIOS", "FRAMES", "AUDIO", "SEED", "FROM $")
    rows = [header, *(model_row(model) for model in models)]
    widths = [max(len(row[col]) for row in rows) for col in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    note = "FROM $ = lowest advertised SKU price; units differ (per second, per token)."
    return "\n".join(line.rstrip() for line in [*lines, "", note])


def model_row(model: VideoModel) -> tuple[str, ...]:
    price = lowest_advertised_price(model)
    return (
        model.id,
        durations_text(model.supported_durations or []),
        words(model.supported_resolutions),
        words(model.supported_aspect_ratios),
        words([kind.removesuffix("_frame") for kind in model.supported_frame_images or []]),
        yes_no(model.generate_audio),
        yes_no(model.seed),
        format(Decimal(repr(price)), "f") if price != float("inf") else "-",
    )


def durations_text(durations: Sequence[int]) -> str:
    """Catalog order kept (`8 4 6`); runs of 3+ consecutive seconds shortened (`3-15`)."""
    runs: list[list[int]] = []
    for seconds in durations:
        if runs and seconds == runs[-1][-1] + 1:
            runs[-1].append(seconds)
        else:
            runs.append([seconds])
    parts = [f"{r[0]}-{r[-1]}" if len(r) > 2 else " ".join(map(str, r)) for r in runs]
    return " ".join(parts) or "-"


def words(values: Sequence[str] | None) -> str:
    return " ".join(values) if values else "-"


def yes_no(flag: bool | None) -> str:
    return "-" if flag is None else ("yes" if flag else "no")
