"""The catalog rules' shortcut for plain bodies agrees with the full check, and the caches stay per catalog."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mockserver.domain.catalog import Catalog, size_for
from mockserver.domain.errors import ApiError
from mockserver.domain.pricing import price_job
from mockserver.domain.requests import check_capabilities

CATALOG = Catalog.load()


def plain_and_sized_bodies() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """For every model and allowed (resolution, ratio, duration) whose size it lists: that body, and with the size."""
    pairs = []
    for model in CATALOG:
        sizes = model.allowed("supported_sizes") or []
        for resolution in model.allowed("supported_resolutions") or []:
            for ratio in model.allowed("supported_aspect_ratios") or []:
                width, height = size_for(resolution, ratio)
                if f"{width}x{height}" not in sizes:
                    continue
                for duration in model.allowed("supported_durations") or []:
                    body = {
                        "model": model.id,
                        "prompt": "p",
                        "duration": duration,
                        "resolution": resolution,
                        "aspect_ratio": ratio,
                    }
                    pairs.append((body, {**body, "size": f"{width}x{height}"}))
    return pairs


PAIRS = plain_and_sized_bodies()


def test_the_pairs_cover_every_model() -> None:
    assert {plain["model"] for plain, _sized in PAIRS} == set(CATALOG.ids)


def test_a_plain_body_resolves_like_the_fully_checked_one() -> None:
    for plain, sized in PAIRS:  # a size sends the body through every rule; the result must not differ
        fast, full = check_capabilities(plain, CATALOG), check_capabilities(sized, CATALOG)
        assert (fast.model, fast.variant, fast.aspect_ratio) == (full.model, full.variant, full.aspect_ratio), plain
        assert price_job(fast.model, fast.variant) == price_job(full.model, full.variant), plain


@pytest.mark.parametrize("flag", ["generate_audio", "seed"])
def test_flags_a_model_lacks_are_refused_even_on_an_otherwise_plain_body(flag: str) -> None:
    model = next(m for m in CATALOG if not (m.audio if flag == "generate_audio" else m.seed))
    with pytest.raises(ApiError) as refused:
        check_capabilities({"model": model.id, "prompt": "p", flag: 1}, CATALOG)
    assert refused.value.status == 400
    assert refused.value.message == f"{flag} is not supported by {model.id}; omit it"


def test_a_model_of_another_catalog_under_the_same_id_gets_its_own_rules_and_price() -> None:
    rows = [copy.deepcopy(dict(model.row)) for model in CATALOG]
    lite = next(row for row in rows if row["id"] == "google/veo-3.1-lite")
    lite["supported_durations"] = [4]
    lite["pricing_skus"] = {"duration_seconds": "1"}
    body = {"model": "google/veo-3.1-lite", "prompt": "p", "duration": 4}
    shipped = check_capabilities(body, CATALOG)
    other = Catalog(rows)
    changed = check_capabilities({"model": "google/veo-3.1-lite", "prompt": "p"}, other)
    assert changed.variant.duration == 4 and check_capabilities(body, CATALOG).variant.duration == 4
    assert price_job(changed.model, changed.variant)[0] == 4
    assert price_job(shipped.model, shipped.variant)[0] != 4
    with pytest.raises(ApiError):
        check_capabilities({**body, "duration": 8}, other)
    assert check_capabilities({**body, "duration": 8}, CATALOG).variant.duration == 8


def test_two_catalogs_of_the_same_rows_keep_their_rules_and_prices_apart() -> None:
    rows = [dict(model.row) for model in CATALOG]
    first, second = Catalog(rows), Catalog(rows)
    spec = check_capabilities({"model": "google/veo-3.1-lite", "prompt": "p"}, first)
    price_job(spec.model, spec.variant)
    untouched = second.get("google/veo-3.1-lite")
    assert untouched is not None and untouched.derived == {} and untouched.priced == {}
    assert spec.model.priced and "rules" in spec.model.derived
