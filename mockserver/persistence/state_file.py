"""`--state PATH`: the mock's state in SQLite (standard library), written through on every change.

WAL mode with `synchronous=NORMAL` survives a killed process (not a power cut), which is what a
developer's `kill -9` or a crashed test run needs. Rows are JSON documents: the schema is the
dataclasses', and a file from an older mock with unknown fields still loads.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mockserver.domain.clock import Clock, SystemClock
from mockserver.domain.jobs import Job, JobStatus, Phase, request_text
from mockserver.domain.journal import Entry
from mockserver.domain.ledger import LedgerEntry
from mockserver.webhooks.delivery import Attempt, Delivery

if TYPE_CHECKING:
    import sqlite3

__all__ = ["Restored", "StateFile"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (key TEXT PRIMARY KEY, scenario TEXT);
CREATE TABLE IF NOT EXISTS counts (scope TEXT, operation TEXT, value INTEGER, PRIMARY KEY (scope, operation));
CREATE TABLE IF NOT EXISTS ledger (seq INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
"""
# Trimming the journal table on every insert would double the writes; every so often is enough.
_TRIM_EVERY = 500


class Restored:
    """What a state file held when the server started."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.scenarios: dict[str, str | None] = {}
        self.counts: dict[tuple[str, str], int] = {}
        self.ledger: list[LedgerEntry] = []
        self.journal: list[Entry] = []
        self.deliveries: list[Delivery] = []


class StateFile:
    """A `StateSink` backed by one SQLite file; thread-safe (the server and a test may share it)."""

    def __init__(self, path: str | Path, *, journal_size: int = 10_000) -> None:
        self.path = Path(path)
        self._journal_size = journal_size
        self._since_trim = 0
        self._lock = threading.Lock()
        import sqlite3  # only --state needs it: ~2 ms off every other start

        self._db: sqlite3.Connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    # --- the sink ------------------------------------------------------------------------------

    def job(self, job: Job) -> None:
        self._write("INSERT OR REPLACE INTO jobs VALUES (?, ?)", (job.id, json.dumps(_job_to_dict(job))))

    def forget_job(self, job_id: str) -> None:
        self._write("DELETE FROM jobs WHERE id = ?", (job_id,))

    def tenant_scenario(self, tenant: str, scenario: str | None) -> None:
        self._write("INSERT OR REPLACE INTO tenants VALUES (?, ?)", (tenant, scenario))

    def count(self, scope: str, operation: str, value: int) -> None:
        self._write("INSERT OR REPLACE INTO counts VALUES (?, ?, ?)", (scope, operation, value))

    def ledger(self, entry: LedgerEntry) -> None:
        data = {
            **entry._asdict(),
            "amount": str(entry.amount),
            "balance": None if entry.balance is None else str(entry.balance),
        }
        self._write("INSERT OR REPLACE INTO ledger VALUES (?, ?)", (entry.seq, json.dumps(data)))

    def journal(self, entry: Entry) -> None:
        self._write("INSERT OR REPLACE INTO journal VALUES (?, ?)", (entry.seq, json.dumps(entry._asdict())))
        self._since_trim += 1
        if self._since_trim >= _TRIM_EVERY:
            self._since_trim = 0
            self._write("DELETE FROM journal WHERE seq <= ?", (entry.seq - self._journal_size,))

    def delivery(self, delivery: Delivery) -> None:
        data = json.dumps(_delivery_to_dict(delivery))
        self._write("INSERT OR REPLACE INTO deliveries VALUES (?, ?)", (delivery.id, data))

    def clear(self) -> None:
        with self._lock:
            for table in ("jobs", "tenants", "counts", "ledger", "journal", "deliveries"):
                self._db.execute(f"DELETE FROM {table}")  # fixed table names, not input

    # --- the clock -----------------------------------------------------------------------------

    def system_clock(self, speed: float) -> SystemClock:
        """A clock that carries on where the last run's left off, the downtime included.

        The mock's time is anchored to wall time once (the first run); a restart at another
        `--speed` re-anchors at the mock time the old speed had reached.
        """
        wall = time.time()
        anchor = self.get_meta("clock")
        start = wall if anchor is None else anchor["mock"] + (wall - anchor["wall"]) * anchor["speed"]
        self.save_clock(mock=start, wall=wall, speed=speed)
        return SystemClock(speed=speed, start=start)

    def clock_moved(self, clock: Clock) -> None:
        if isinstance(clock, SystemClock):
            self.save_clock(mock=clock.now(), wall=time.time(), speed=clock.speed)

    def save_clock(self, *, mock: float, wall: float, speed: float) -> None:
        self.set_meta("clock", {"mock": mock, "wall": wall, "speed": speed})

    def get_meta(self, key: str) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        self._write("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    # --- loading -------------------------------------------------------------------------------

    def load(self) -> Restored:
        restored = Restored()
        with self._lock:
            db = self._db
            restored.jobs = [_job_from_dict(json.loads(d)) for (d,) in db.execute("SELECT data FROM jobs")]
            restored.scenarios = dict(db.execute("SELECT key, scenario FROM tenants").fetchall())
            restored.counts = {(s, o): v for s, o, v in db.execute("SELECT scope, operation, value FROM counts")}
            restored.ledger = [_ledger_from_dict(json.loads(d)) for (d,) in db.execute("SELECT data FROM ledger")]
            rows = db.execute("SELECT data FROM journal ORDER BY seq DESC LIMIT ?", (self._journal_size,))
            restored.journal = [Entry(**json.loads(d)) for (d,) in reversed(rows.fetchall())]
            rows = db.execute("SELECT data FROM deliveries ORDER BY id")
            restored.deliveries = [_delivery_from_dict(json.loads(d)) for (d,) in rows]
        return restored

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._db.execute(sql, params)


def _job_to_dict(job: Job) -> dict[str, Any]:
    # Rows keep the request as an object (as older mocks wrote it), not as a string in a string.
    data = job._asdict()
    del data["request_json"]
    timeline = [phase._asdict() for phase in job.timeline]
    return {**data, "request": job.request, "timeline": timeline, "cost": str(job.cost)}


def _job_from_dict(data: dict[str, Any]) -> Job:
    timeline = tuple(Phase(**{**phase, "status": JobStatus(phase["status"])}) for phase in data["timeline"])
    request_json = request_text(data.pop("request"))
    return Job(**{**data, "timeline": timeline, "request_json": request_json, "cost": Decimal(data["cost"])})


def _delivery_to_dict(delivery: Delivery) -> dict[str, Any]:
    data = asdict(delivery)
    data["body"] = delivery.body.decode()  # the event is JSON, so UTF-8
    del data["in_flight"]
    return data


def _delivery_from_dict(data: dict[str, Any]) -> Delivery:
    attempts = [Attempt(**attempt) for attempt in data["attempts"]]
    return Delivery(**{**data, "body": data["body"].encode(), "attempts": attempts})


def _ledger_from_dict(data: dict[str, Any]) -> LedgerEntry:
    balance = data["balance"]
    return LedgerEntry(
        **{**data, "amount": Decimal(data["amount"]), "balance": None if balance is None else Decimal(balance)}
    )
