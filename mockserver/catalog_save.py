"""`mockserver catalog save URL FILE`: keep a deployment's catalog as a file for `--catalog`.

URL is an API base (`https://modelgates.ai/api/v1`) or the models endpoint itself; the answer
must be a models response (`{"data": [...]}`), written as it came (indented), so that the mock
then validates and serves exactly what that deployment lists.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["main", "save_catalog"]

USAGE = "usage: mockserver catalog save URL FILE [--key KEY]"


def models_url(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith("/videos/models") else f"{url}/videos/models"


def save_catalog(url: str, path: Path, key: str | None = None, timeout: float = 30.0) -> int:
    """Fetch the catalog at `url` into `path`; returns the number of models. ValueError on a bad answer."""
    import httpx  # only this command needs a client

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = httpx.get(models_url(url), headers=headers, timeout=timeout, follow_redirects=True)
    if response.status_code != 200:
        raise ValueError(f"{response.request.url} answered {response.status_code}: {response.text[:200]}")
    try:
        data: Any = response.json()
    except ValueError:
        raise ValueError(f"{response.request.url} did not answer JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise ValueError(f'{response.request.url} did not answer {{"data": [...]}}')
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)  # never a half-written catalog
    return len(data["data"])


def main(argv: list[str]) -> int:
    """`argv` after `catalog`: `save URL FILE [--key KEY]`."""
    key = None
    if "--key" in argv:
        at = argv.index("--key")
        key = argv[at + 1] if at + 1 < len(argv) else None
        argv = argv[:at] + argv[at + 2 :]
    if len(argv) != 3 or argv[0] != "save" or key == "":
        print(USAGE, file=sys.stderr)
        return 2
    _, url, file = argv
    try:
        count = save_catalog(url, Path(file), key)
    except (ValueError, OSError) as exc:
        print(f"mockserver catalog save: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # httpx's connection errors, without importing httpx up front
        print(f"mockserver catalog save: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"saved {count} models to {file} (serve them: mockserver --catalog {file})")
    return 0
