"""`image_download_failed` (failure mode 9): a submit whose image URL the provider cannot fetch."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mockserver import ScenarioError, load_scenario
from tests.mockserver.helpers import SEED_000_BODY, Api, assert_envelope

FIRST = "https://images.example.com/first.jpg"
REFERENCE = "https://cdn.example.com/ref.png"
INLINE = "data:image/png;base64,iVBORw0KGgo="
STEPS = '[[steps]]\nstatus = "pending"\nseconds = 1\n[[steps]]\nstatus = "completed"\n'


def _frame(url: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}, "frame_type": "first_frame"}


def _reference(url: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}}


@pytest.mark.parametrize("version", ["2026-06", "2026-10"])
def test_a_frame_image_the_provider_cannot_fetch_is_a_400_before_any_job_or_charge(
    make_api: Callable[..., Api], version: str
) -> None:
    api = make_api("image-download-failed", api_version=version, credits=Decimal("10"))
    error = assert_envelope(api.submit({**SEED_000_BODY, "frame_images": [_frame(FIRST)]}), 400)
    assert error == {
        "code": 400,
        "message": f"Failed to download image from {FIRST}",
        "metadata": {"error_type": "image_download_failed", "param": "frame_images[0].image_url.url", "url": FIRST},
    }
    assert api.control.job_count == 0 and api.control.ledger() == []


@pytest.mark.parametrize("version", ["2026-06", "2026-10"])
def test_the_first_image_to_download_is_named_and_inline_images_are_not_downloaded(
    make_api: Callable[..., Api], version: str
) -> None:
    api = make_api("image-download-failed", api_version=version)
    body = {**SEED_000_BODY, "frame_images": [_frame(INLINE)], "input_references": [_reference(REFERENCE)]}
    metadata = assert_envelope(api.submit(body), 400)["metadata"]
    assert (metadata["param"], metadata["url"]) == ("input_references[0].image_url.url", REFERENCE)


def test_submits_without_an_image_to_download_are_unaffected(make_api: Callable[..., Api]) -> None:
    api = make_api("image-download-failed", api_version="2026-10")
    assert api.submit().status_code == 202  # text only
    assert api.submit({**SEED_000_BODY, "frame_images": [_frame(INLINE)]}).status_code == 202
    assert api.control.job_count == 2


def test_times_counts_only_submits_that_carry_an_image(make_api: Callable[..., Api], tmp_path: Path) -> None:
    path = tmp_path / "once.toml"
    path.write_text(STEPS + '[[faults]]\non = "submit"\nimage_download_failed = true\ntimes = 1\nmessage = "Nope"\n')
    api = make_api(str(path), api_version="2026-10")
    with_image = {**SEED_000_BODY, "frame_images": [_frame(FIRST)]}
    assert api.submit().status_code == 202  # does not use up the fault
    assert assert_envelope(api.submit(with_image), 400)["message"] == "Nope"
    assert api.submit(with_image).status_code == 202  # a provider that gets it the second time


@pytest.mark.parametrize(
    ("fault", "needle"),
    [
        ('on = "poll"\nimage_download_failed = true\nevery = 1\n', "only a submit carries images, not poll"),
        ('on = "submit"\nimage_download_failed = true\nstatus = 500\nevery = 1\n', "answers 400, not 500"),
        (
            'on = "submit"\nimage_download_failed = true\nafter_commit = true\nevery = 1\n',
            "faults.0.after_commit: image_download_failed refuses the submit before any job exists",
        ),
        ('on = "submit"\nimage_download_failed = 1\nevery = 1\n', "must be true or false, not 1"),
    ],
)
def test_a_misused_image_fault_is_refused_with_its_path(tmp_path: Path, fault: str, needle: str) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(STEPS + "[[faults]]\n" + fault)
    with pytest.raises(ScenarioError, match=re.escape(needle)):
        load_scenario(path)
