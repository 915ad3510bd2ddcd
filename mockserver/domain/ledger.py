"""Credits per API key: what each submit charges, what a failed job gets back, what is left.

Amounts are `Decimal` (the catalog's prices are exact decimals; floats would drift over a few
hundred jobs). A balance of None means unlimited: charges are still recorded, so "what did my
app spend" has an answer even when nothing is ever refused. Balances and spend are running
totals, exact forever; the entries behind them are a ring buffer of the newest `history`.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal, NamedTuple

__all__ = ["HISTORY", "InsufficientCredits", "Ledger", "LedgerEntry"]

EntryKind = Literal["set", "charge", "refund"]

_Row = tuple[Any, ...]  # a LedgerEntry's fields as a plain tuple
_new: Any = tuple.__new__  # a named tuple without its generated `__new__` (see jobs.py)
HISTORY = 10_000  # entries kept in memory by default (like the journal); totals never forget
# Keys with unlimited credits whose spend is kept (least recently charged forgotten first): a run
# with a new key per request must not grow. A balance (`--credits`, or one set) is never forgotten.
MAX_UNLIMITED_KEYS = 10_000


class InsufficientCredits(Exception):
    def __init__(self, tenant: str, balance: Decimal, cost: Decimal) -> None:
        super().__init__(f"balance {balance} does not cover {cost}")
        self.tenant, self.balance, self.cost = tenant, balance, cost


class LedgerEntry(NamedTuple):
    # A NamedTuple, not a frozen dataclass: made once per submit, and it builds three times faster.
    seq: int
    at: float
    tenant: str
    kind: EntryKind
    amount: Decimal  # charges are negative, refunds positive; `set` carries the new balance
    balance: Decimal | None  # after this entry; None = unlimited
    job_id: str | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "key": self.tenant,
            "kind": self.kind,
            "amount": str(self.amount),
            "balance": None if self.balance is None else str(self.balance),
            "job_id": self.job_id,
        }


class Ledger:
    """Balances and their history, per key. Thread-safe (the live server shares it)."""

    def __init__(
        self,
        default_credits: Decimal | None = None,
        on_entry: Callable[[LedgerEntry], None] | None = None,
        history: int = HISTORY,
    ) -> None:
        self.default_credits = default_credits
        self.history = history
        self._on_entry = on_entry  # called with each new entry (a state file writes it)
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._balances: dict[str, Decimal | None] = {}
            self._net: dict[str, Decimal] = {}  # per key: the sum of its charges and refunds
            # Plain tuples: a tuple of atoms leaves the GC's lists at its first collection (a
            # NamedTuple, not being exactly a tuple, would stay tracked: 10,000 objects per full pass).
            self._entries: deque[_Row] = deque(maxlen=self.history)
            self._seq = itertools.count(1)

    def balance(self, tenant: str) -> Decimal | None:
        with self._lock:
            return self._balances.get(tenant, self.default_credits)

    def set_balance(self, tenant: str, amount: Decimal | None, at: float) -> LedgerEntry:
        with self._lock:
            self._balances[tenant] = amount
            return self._append(at, tenant, "set", amount or Decimal(0), amount, None)

    def charge(self, tenant: str, job_id: str, cost: Decimal, at: float) -> LedgerEntry:
        """Take `cost` from the key's balance, or raise `InsufficientCredits` and change nothing."""
        with self._lock:
            balance = self._balances.get(tenant, self.default_credits)
            if balance is not None:
                if balance < cost:
                    raise InsufficientCredits(tenant, balance, cost)
                balance -= cost
            self._balances[tenant] = balance
            amount = _NEGATED.get(cost)
            if amount is None:
                amount = _negated(cost)
            return self._append(at, tenant, "charge", amount, balance, job_id)

    def refund(self, tenant: str, job_id: str, cost: Decimal, at: float) -> LedgerEntry:
        with self._lock:
            balance = self._balances.get(tenant, self.default_credits)
            if balance is not None:
                balance += cost
            self._balances[tenant] = balance
            return self._append(at, tenant, "refund", cost, balance, job_id)

    def cancel(self, entry: LedgerEntry) -> None:
        """Take back a charge or refund whose write failed, as if it never happened."""
        with self._lock:
            balance = self._balances.get(entry.tenant, self.default_credits)
            if balance is not None:
                self._balances[entry.tenant] = balance - entry.amount
            self._net[entry.tenant] = self._net.get(entry.tenant, Decimal(0)) - entry.amount
            row = tuple(entry)
            if row in self._entries:
                self._entries.remove(row)

    def spent(self, tenant: str) -> Decimal:
        """Charges minus refunds: what the key has actually paid (all of it, not only the kept entries)."""
        with self._lock:
            return -self._net.get(tenant, Decimal(0))

    def entries(self, tenant: str | None = None) -> list[LedgerEntry]:
        """The kept entries (the newest `history` of all keys), oldest first."""
        with self._lock:
            return [LedgerEntry._make(row) for row in self._entries if tenant in (None, row[2])]

    def restore(
        self, entries: list[LedgerEntry], carried: dict[str, tuple[Decimal | None, Decimal]] | None = None
    ) -> None:
        """Load what a state file kept; each key's balance is the one its last entry left.

        `carried`: per key, (balance, net) of the entries the file has summarised away.
        """
        with self._lock:
            ordered = sorted(entries, key=lambda entry: entry.seq)
            carried = carried or {}
            self._balances = {tenant: balance for tenant, (balance, _net) in carried.items()}
            self._balances.update((entry.tenant, entry.balance) for entry in ordered)
            self._net = {tenant: net for tenant, (_balance, net) in carried.items()}
            for entry in ordered:
                if entry.kind != "set":
                    self._net[entry.tenant] = self._net.get(entry.tenant, Decimal(0)) + entry.amount
            self._entries = deque(map(tuple, ordered), maxlen=self.history)
            self._seq = itertools.count(max((e.seq for e in entries), default=0) + 1)

    def _forget_idle_key(self) -> None:
        for key in self._net:  # the least recently charged first; a few steps at most in practice
            if self._balances.get(key) is None:
                del self._net[key]
                self._balances.pop(key, None)
                return

    def _append(
        self, at: float, tenant: str, kind: EntryKind, amount: Decimal, balance: Decimal | None, job_id: str | None
    ) -> LedgerEntry:
        row = (next(self._seq), at, tenant, kind, amount, balance, job_id)
        self._entries.append(row)
        entry: LedgerEntry = _new(LedgerEntry, row)  # the same fields, without the class's `__new__`
        if kind != "set":
            # Popped and put back: the most recently charged key goes to the end.
            self._net[tenant] = self._net.pop(tenant, _ZERO) + amount
            if len(self._net) > MAX_UNLIMITED_KEYS and self.default_credits is None:
                self._forget_idle_key()
        if self._on_entry is not None:
            self._on_entry(entry)
        return entry


_ZERO = Decimal(0)
# `-cost`, one object per price: 10,000 kept charges of a few prices share a few Decimals.
_NEGATED: dict[Decimal, Decimal] = {}


def _negated(cost: Decimal) -> Decimal:
    """`-cost` the first time it is asked for (`charge` looks in `_NEGATED` itself first)."""
    if len(_NEGATED) >= 1024:  # prices are few; a catalog of thousands only starts over
        _NEGATED.clear()
    amount = _NEGATED[cost] = -cost
    return amount
