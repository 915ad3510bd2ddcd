"""Webhooks that go out before polls show the status they announce (`[webhook] early`, failure
mode 7): made at submit from the job's timeline, which is fixed then, and squared with what
really happened when the job gets there (a job forced elsewhere in the meantime)."""

from __future__ import annotations

from typing import Literal

from mockserver.domain.jobs import Job, Transition, advance, finishes_at
from mockserver.webhooks.delivery import Delivery, event_body

__all__ = ["Settled", "foreseen", "settle"]

Settled = Literal["foreseen", "rewritten", "apart"]


def foreseen(job: Job) -> tuple[Job, Transition] | None:
    """The job as its timeline ends it, and the transition to that terminal status; None when
    polls (not seconds) decide when it ends."""
    at = finishes_at(job)
    if at is None:
        return None
    ended, transitions = advance(job, at)
    if not transitions or not transitions[-1].new.terminal:
        return None
    return ended, transitions[-1]


def settle(early: Delivery, job: Job, transition: Transition, delay: float) -> Settled:
    """What the job's real terminal `transition` makes of its early delivery (under the
    dispatcher's lock):

    - "foreseen": it announces this status, and went out or goes out as planned: nothing to do;
    - "rewritten": nothing of it went out and the job ended otherwise (forced): it now
      announces what happened, `delay` after it, like any delivery (no longer early);
    - "apart": it went out announcing another status: this one needs a delivery of its own.
    """
    kind = f"video.generation.{transition.new.value}"
    if early.type == kind and (not early.unsent or transition.at == early.announces_at):
        return "foreseen"
    if not early.unsent:
        return "apart"
    early.type, early.idempotency_key = kind, f"{job.id}-{transition.new.value}"
    early.body = event_body(job, transition)
    early.next_at, early.announces_at = transition.at + delay, None
    return "rewritten"
