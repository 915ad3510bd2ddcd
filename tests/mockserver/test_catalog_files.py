"""The catalog is the user's: `--catalog PATH`, `mockserver catalog save URL FILE`, removed models."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mockserver import MockConfig, MockServer, VirtualClock, create_app
from mockserver._resources import catalog_path
from mockserver.cli import main
from mockserver.http.catalogs import CatalogError
from tests.mockserver.helpers import SEED_000_BODY, Api, assert_envelope


def test_catalog_save_keeps_a_running_mocks_catalog_and_serve_it_back(
    tmp_path: Path, make_api: Callable[..., Api], capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "seen.json"
    with MockServer(MockConfig(api_version="2026-10"), clock=VirtualClock()) as server:
        assert main(["catalog", "save", server.base_url, str(saved)]) == 0
        served = server.app.instance.service.catalog.response_bytes  # type: ignore[attr-defined]
    assert "saved 15 models" in capsys.readouterr().out
    assert json.loads(saved.read_text()) == json.loads(served)
    api = make_api(api_version="2026-10", catalog=str(saved), removed_models=frozenset({"google/veo-3.1-lite"}))
    ids = [row["id"] for row in api.http.get("/videos/models").json()["data"]]
    assert len(ids) == 14 and "google/veo-3.1-lite" not in ids
    refused = assert_envelope(api.submit(SEED_000_BODY), 400)
    assert refused == {"code": 400, "message": "Model google/veo-3.1-lite does not exist"}  # the vendor's words


def test_mocks_share_the_built_in_catalog_but_not_what_one_removes(make_api: Callable[..., Api]) -> None:
    # The built-in catalog is read once per process; taking models out of it makes a new one.
    trimmed = make_api(api_version="2026-10", removed_models=frozenset({"google/veo-3.1-lite"}))
    whole = make_api(api_version="2026-10")
    assert assert_envelope(trimmed.submit(SEED_000_BODY), 400)["message"].endswith("does not exist")
    assert whole.submit(SEED_000_BODY).status_code == 202
    assert "google/veo-3.1-lite" in [row["id"] for row in whole.http.get("/videos/models").json()["data"]]


def test_2026_10_answers_the_removed_sora_2_as_the_vendor_does(make_api: Callable[..., Api]) -> None:
    api = make_api(api_version="2026-10")
    error = assert_envelope(api.submit({**SEED_000_BODY, "model": "openai/sora-2"}), 400)
    assert error == {"code": 400, "message": "Model openai/sora-2 does not exist"}


def test_a_bad_catalog_file_is_refused_naming_the_row_and_field(tmp_path: Path) -> None:
    rows = json.loads(catalog_path().read_text())["data"][:2]
    rows[1]["supported_durations"] = "five"
    rows.append(dict(rows[0]))
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"data": rows}))
    with pytest.raises(CatalogError) as caught:
        create_app(MockConfig(api_version="2026-06", catalog=str(path)), clock=VirtualClock())
    message = str(caught.value)
    assert str(path) in message and "data[1].supported_durations" in message and "listed twice" in message
    path.write_text("[1, 2]")
    with pytest.raises(CatalogError, match='expected {"data"'):
        create_app(MockConfig(catalog=str(path)), clock=VirtualClock())


def test_the_cli_refuses_a_bad_catalog_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.json"
    assert main(["--catalog", str(missing), "--port", "0"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and str(missing) in error
    assert main(["catalog", "save"]) == 2
    assert main(["catalog", "save", "http://127.0.0.1:9/api/v1", str(tmp_path / "x.json")]) == 1
    assert not (tmp_path / "x.json").exists()
