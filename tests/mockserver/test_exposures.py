"""What one caller sends or loads never shows up where others (or the state file) can read it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from mockserver import MockConfig, VirtualClock, create_app, new_api_key
from mockserver.cli import _print_ready
from mockserver.control.controller import OPERATOR
from tests.mockserver.helpers import Api, assert_envelope


def test_the_journal_keeps_only_accepted_keys_never_an_arbitrary_bearer_value(make_api: Callable[..., Api]) -> None:
    api = make_api(admin_token="mg-admin-secret")
    for token in ("hunter2-my-password", "mg-admin-secret"):
        response = api.http.post("/videos", json={}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
    api.http.post("/videos", json={})
    tenants = [entry["key"] for entry in api.control.journal(OPERATOR)["entries"]]
    assert tenants == [None, None, api.key]


def test_an_unknown_scenario_lists_no_file_another_key_loaded(make_api: Callable[..., Api], tmp_path: Path) -> None:
    api = make_api()
    private = tmp_path / "client-acme-secret.toml"
    private.write_text('[[steps]]\nstatus = "pending"\nseconds = 1\n\n[[steps]]\nstatus = "completed"\n')
    other = new_api_key("other")
    api.control.update_key(OPERATOR, other, scenario=str(private))
    error = assert_envelope(api.http.post("/videos", json={}, headers={"X-Mock-Scenario": "nope"}), 400)
    assert str(private) not in str(error)
    assert "happy" in error["metadata"]["allowed"]


@pytest.mark.parametrize(("url", "warned"), [("http://0.0.0.0:8000", True), ("http://127.0.0.1:8000", False)])
def test_binding_beyond_loopback_warns_and_keeps_the_token_out_of_urls(
    url: str, warned: bool, caplog: pytest.LogCaptureFixture
) -> None:
    config = MockConfig(admin_token="mg-admin-t0ken")
    with caplog.at_level(logging.INFO):
        _print_ready(url, config, new_api_key(0), create_app(config, clock=VirtualClock()))
    out = "\n".join(record.getMessage() for record in caplog.records)
    assert ("reaches the API" in out) is warned
    assert ("#token=mg-admin-t0ken" in out) is not warned
