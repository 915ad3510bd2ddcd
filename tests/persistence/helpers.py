"""One in-process mock on a state file, and a disk that can fill up under it."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from mockserver import MockConfig, SyncASGITransport, VirtualClock, create_app, mock_controller, new_api_key
from mockserver.control.controller import OPERATOR
from mockserver.persistence.state_file import StateFile
from tests.mockserver.helpers import BASE, SEED_000_BODY

KEY_A, KEY_B = new_api_key("a"), new_api_key("b")


class Mock:
    """A mock process as far as its state is concerned; `stop()` is its end (the lock goes too)."""

    def __init__(self, path: Path, clock: VirtualClock | None = None, **config: Any) -> None:
        self.clock = clock or VirtualClock()
        self.app = create_app(MockConfig(state_path=str(path), **config), clock=self.clock)
        self.instance = self.app.instance  # the wiring: the state file under test
        self.control = mock_controller(self.app)
        self.http = httpx.Client(transport=SyncASGITransport(self.app), base_url=BASE)

    @property
    def state_file(self) -> StateFile:
        assert isinstance(self.app.instance.sink, StateFile)
        return self.app.instance.sink

    def submit(self, key: str = KEY_A, scenario: str | None = None, **body: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"}
        if scenario is not None:
            headers["X-Mock-Scenario"] = scenario
        return self.http.post("/videos", json={**SEED_000_BODY, **body}, headers=headers)

    def job_id(self, key: str = KEY_A, scenario: str | None = None, **body: Any) -> str:
        response = self.submit(key, scenario, **body)
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    def poll(self, job_id: str, key: str = KEY_A) -> httpx.Response:
        return self.http.get(f"/videos/{job_id}", headers={"Authorization": f"Bearer {key}"})

    def balance(self, key: str = KEY_A) -> Decimal | None:
        credits = self.control.key(OPERATOR, key)["credits"]
        return None if credits is None else Decimal(credits)

    def job_ids(self) -> list[str]:
        return [job.id for job in self.control.jobs(OPERATOR)]

    def stop(self) -> None:
        self.http.close()
        self.app.close()


class Connection:
    """Stands between a state file and its SQLite connection; subclasses watch or break `execute`."""

    def __init__(self, state_file: StateFile) -> None:
        self._db: sqlite3.Connection = state_file._db
        setattr(state_file, "_db", self)  # noqa: B010 - the test's stand-in for the connection

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        return self._db.executemany(sql, rows)

    @property
    def in_transaction(self) -> bool:
        return self._db.in_transaction

    def close(self) -> None:
        self._db.close()


class Disk(Connection):
    """Fails writes as a full disk does.

    `full`: every write fails. `fail_on`: only a statement containing this text fails, so a
    transaction breaks between its parts (what `kill -9` at that moment leaves, uncommitted).
    """

    def __init__(self, state_file: StateFile) -> None:
        super().__init__(state_file)
        self.full = False
        self.fail_on: str | None = None
        self.failed = 0

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        writes = not sql.startswith(("SELECT", "BEGIN", "ROLLBACK"))
        if (self.full and writes) or (self.fail_on is not None and self.fail_on in sql):
            self.failed += 1
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        if self.full or (self.fail_on is not None and self.fail_on in sql):
            self.failed += 1
            raise sqlite3.OperationalError("database or disk is full")
        return self._db.executemany(sql, rows)


def rows(path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql, params).fetchall()
