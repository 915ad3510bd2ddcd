"""Nothing leaves the mock except in the envelope: unknown routes, wrong methods, crashes."""

from __future__ import annotations

import httpx
import pytest

from mockserver.http.app import mock_controller
from tests.mockserver.helpers import Api, assert_envelope


@pytest.mark.parametrize(
    "path", ["/", "/api/v1", "/api/v2/videos", "/api/v1/videos/a/b/c", "/api/v1/videos/x/content/y"]
)
def test_unknown_paths_are_404_envelopes(api: Api, path: str) -> None:
    assert_envelope(api.http.get(f"http://testserver{path}"), 404)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/videos", "POST"),
        ("GET", "/videos", "POST"),
        ("PUT", "/videos/abc", "GET, HEAD"),
        ("POST", "/videos/models", "GET, HEAD"),
        ("PATCH", "/videos/abc/content", "GET, HEAD"),
    ],
)
def test_wrong_methods_are_405_envelopes_with_allow(api: Api, method: str, path: str, allow: str) -> None:
    response = api.http.request(method, path)
    assert_envelope(response, 405)
    assert set(response.headers["allow"].split(", ")) == set(allow.split(", "))


def test_an_unexpected_exception_is_a_500_envelope_and_is_kept_for_the_test(api: Api) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    api.instance.service.poll = explode  # type: ignore[method-assign,assignment]
    response = api.poll("whatever")
    error = assert_envelope(response, 500)
    assert error["message"] == "Internal Server Error" and "boom" not in response.text
    assert isinstance(api.control.errors.pop(), RuntimeError)


def test_the_document_is_served(api: Api) -> None:
    yaml_doc = api.http.get("http://testserver/openapi.yaml")
    json_doc = api.http.get("http://testserver/openapi.json")
    assert yaml_doc.status_code == json_doc.status_code == 200
    assert yaml_doc.text.startswith("openapi: 3.1.0")
    assert set(json_doc.json()["paths"]) == {"/videos", "/videos/{jobId}", "/videos/{jobId}/content", "/videos/models"}


def test_public_base_url_shapes_polling_and_content_urls() -> None:
    from mockserver import MockConfig, SyncASGITransport, VirtualClock, create_app, new_api_key

    app = create_app(MockConfig(public_base_url="https://mock.example/api/v1/"), clock=VirtualClock())
    with httpx.Client(transport=SyncASGITransport(app), base_url="http://testserver/api/v1") as http:
        response = http.post(
            "/videos",
            json={"model": "google/veo-3.1-lite", "prompt": "p"},
            headers={"Authorization": f"Bearer {new_api_key(0)}"},
        )
    assert response.json()["polling_url"].startswith("https://mock.example/api/v1/videos/")
    assert not mock_controller(app).errors
