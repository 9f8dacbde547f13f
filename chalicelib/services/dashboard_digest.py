"""The monthly digest: on the first working day of each month, one email to the admin with the
previous month's dashboard figures (every missed target first, each beside its target) and
today's workforce figures, linking to that month on the dashboard.

It runs every working-day morning and sends on the first working day, once: the send is claimed
with a conditional write before it goes (a second invocation or a re-run sends nothing). A send
that fails is left due, and a month whose first working day had no run at all still has its
digest: the next run of the month, on a later day, sends either.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain import dashboard_digest as rules
from chalicelib.domain import workforce_figures
from chalicelib.domain.dashboard import standard
from chalicelib.domain.date_words import long_day, month_words
from chalicelib.observability import count, logger
from chalicelib.storage import job_positions

JOB = "dashboard-digest"
# A Lambda runs for at most 15 minutes: a claim older than that belongs to a run that died
# between claiming the digest and recording it sent, so a later run may take it over.
CLAIM_STALE_AFTER = timedelta(minutes=15)


def run(today: date) -> dict[str, Any]:
    """Send the digest of the month before `today`'s if it is due today; returns what happened."""
    month = rules.month_reported(today)
    first_try = rules.is_first_working_day(today)
    result: dict[str, Any] = {"month": month, "first_working_day": first_try, "sent": False}
    now = clock.now()
    claim_id = uuid.uuid4().hex
    key = f"{JOB}#{month}"
    claimed = job_positions.claim_send(
        key,
        claim_id,
        claimed_at=_stamp(now),
        stale_before=_stamp(now - CLAIM_STALE_AFTER),
        may_start=rules.may_start(today),
    )
    if not claimed:  # sent already, being sent, or not due yet
        return result
    try:
        from chalicelib.services import email

        email.send(settings().admin_email, "dashboard_digest", **digest_context(month, today))
    except Exception as exc:
        logger().error("dashboard digest not sent", extra={"month": month, "error": type(exc).__name__})
        count("DashboardDigestFailed")
        _leave_due(key, claim_id)
        result["failed"] = True
        return result
    try:
        job_positions.mark_sent(key, claim_id, _stamp(clock.now()))
    except Exception as exc:  # sent; only the record failed: a run after CLAIM_STALE_AFTER could resend
        logger().error("dashboard digest sent but not recorded", extra={"error": type(exc).__name__})
    result["sent"] = True
    return result


def digest_context(month: str, today: date) -> dict[str, Any]:
    """What the digest says: the month's figures and today's workforce figures, misses first."""
    from chalicelib.services import dashboard

    view = dashboard.figures(month, month)
    lines = [rules.line(standard(f["key"]), f["total"], f["missed"]) for f in view["figures"]]
    workforce = view["workforce"]
    lines += [
        rules.line(workforce_figures.standard(f["key"]), f["value"], f["missed"])
        for f in workforce["figures"]
        if workforce["as_of"] is not None
    ]
    ordered = rules.ordered(lines)
    return {
        "month": month_words(month),
        "today": long_day(today),
        "missed": [vars(item) for item in ordered if item.missed],
        "met": [vars(item) for item in ordered if not item.missed],
        "workforce_as_of": long_day(workforce["as_of"]) if workforce["as_of"] else None,
        "link": f"{settings().public_base_url}/dashboard?from={month}&to={month}",
    }


def _leave_due(key: str, claim_id: str) -> None:
    try:
        job_positions.mark_due(key, claim_id)
    except Exception as exc:  # the claim goes stale instead, and a run after CLAIM_STALE_AFTER sends it
        logger().warning("dashboard digest claim not released", extra={"error": type(exc).__name__})


def _stamp(moment) -> str:
    return moment.isoformat(timespec="seconds")
