"""Compliance across the workforce, as of one day: the counts and expiries report, the clearance
register (CSV) and the HR dashboard. All three read the workforce once, the same way (`workforce`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from chalicelib import clock
from chalicelib.domain.clearances import ClearanceKind, ClearancePolicy, ClearanceStatus, is_compliant
from chalicelib.services import outputs
from chalicelib.services.workers import policy, summary_view
from chalicelib.storage import workers as store

MISSING = ClearanceStatus.MISSING.value


def workforce(rules: ClearancePolicy, today: date) -> Iterator[outputs.WorkerSummary]:
    """Every worker in name order as a list shows them (`summary_view`): a Query on the directory index."""
    for worker in store.directory():
        yield summary_view(worker, rules, today)


def _counted(view: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The worker's clearances that count: every required kind, and an optional one once recorded."""
    return (c for c in view["clearances"] if c["required"] or c["issued_on"] is not None)


def _expires_within(clearance: dict[str, Any], days: int | None) -> bool:
    """Recorded and expiring from today to today + `days` (always true without `days`)."""
    return days is None or (clearance["days_left"] is not None and 0 <= clearance["days_left"] <= days)


def _person(view: dict[str, Any]) -> dict[str, Any]:
    return {"worker_id": view["worker_id"], "name": view["name"], "email": view["email"]}


def compliance_report(days: int, today: date | None = None) -> outputs.ComplianceReport:
    """Counts of workers by compliance status, per-kind counts, and every clearance expiring within `days`."""
    today = today or clock.today()
    rules = policy()
    counts = {status.value: 0 for status in ClearanceStatus}
    per_kind = {kind.value: {status.value: 0 for status in ClearanceStatus} for kind in ClearanceKind}
    expiring: list[outputs.ExpiringClearance] = []
    for view in workforce(rules, today):
        counts[view["compliance"]["status"]] += 1
        for clearance in _counted(view):
            per_kind[clearance["kind"]][clearance["status"]] += 1
            if _expires_within(clearance, days):
                expiring.append({**_person(view), **clearance})
    expiring.sort(key=lambda e: (e["expires_on"], e["name"].casefold(), e["kind"]))
    return {
        "as_of": today.isoformat(),
        "days": days,
        "policy": {
            "required_kinds": [k.value for k in rules.required_kinds],
            "warning_days": rules.warning_days,
            "renewal_grace_days": rules.renewal_grace_days,
            "default_validity_years": rules.default_validity_years,
        },
        "workers": sum(counts.values()),
        "compliant": sum(n for s, n in counts.items() if is_compliant(ClearanceStatus(s))),
        "counts": counts,
        "clearances": per_kind,
        "expiring": expiring,
    }


def register_rows(
    days: int | None = None,
    today: date | None = None,
    *,
    status: ClearanceStatus | None = None,
    sort: str | None = None,
) -> list[dict[str, Any]]:
    """The clearance register: one row per worker and kind (required kinds always, others once recorded).

    With `days`, only the clearances expiring from today to today + days. With `status` and
    `sort`, the workers the HR page shows, in its order (see `dashboard_rows`).
    """
    today = today or clock.today()
    if status is not None or sort is not None:
        views = dashboard_rows(status, sort or "expiry", today)["rows"]
    else:
        views = workforce(policy(), today)
    return [
        {**_person(view), "compliance": view["compliance"]["status"], **clearance}
        for view in views
        for clearance in _counted(view)
        if _expires_within(clearance, days)
    ]


def dashboard_rows(
    status: ClearanceStatus | None = None, sort: str = "expiry", today: date | None = None
) -> dict[str, Any]:
    """Every worker with a status per clearance kind, for the HR dashboard.

    `sort="expiry"` puts first whoever needs HR soonest: a missing required clearance, then the
    earliest expiry (already expired ones are earliest of all); `sort="name"` keeps name order.
    """
    today = today or clock.today()
    rows = []
    counts = {s.value: 0 for s in ClearanceStatus}
    for view in workforce(policy(), today):
        counts[view["compliance"]["status"]] += 1
        if status is not None and view["compliance"]["status"] != status.value:
            continue
        rows.append({**view, "soonest": _soonest(view["clearances"])})
    if sort == "expiry":
        rows.sort(key=lambda r: (r["soonest"], r["name"].casefold()))
    return {"rows": rows, "counts": counts, "total": sum(counts.values()), "as_of": today.isoformat()}


def _soonest(clearances: list[dict]) -> str:
    # "0000-00-00" sorts before every date: a missing required clearance needs HR first.
    if any(c["required"] and c["status"] == MISSING for c in clearances):
        return "0000-00-00"
    return min((c["expires_on"] for c in clearances if c["expires_on"]), default="9999-12-31")
