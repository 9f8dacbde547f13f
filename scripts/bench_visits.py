"""Visits: the DynamoDB calls to book one visit and a series of 26, the AWS calls to move, reassign
and cancel one, and the compliance scan's reads with the visits it must look through for at-risk
flags (100 workers with 500 visits against 10,000 workers with 50,000 visits, the same 50
clearances in the window).

DESIGN.md section 10: a series of 26 costs at most 1.5 times the calls of one visit; the scan's reads
follow the clearances in its window, not the size of the workforce or of the schedule. `make bench`
calls `visit_rows()`; run this file alone to see just these figures.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("FCS_STAGE", "local")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

from scripts.bench_clearances import IN_WINDOW, TODAY, DynamoDBReads, seed  # noqa: E402

SERIES = 26
BOOKING_RATIO_LIMIT = 1.5
SCAN_RATIO_LIMIT = 1.2
VISITS_PER_WORKER = 5
SCHEDULES = ((100, 100 * VISITS_PER_WORKER), (10_000, 10_000 * VISITS_PER_WORKER))


# -- booking --------------------------------------------------------------------------------------


def booking_calls() -> dict:
    """DynamoDB calls of POST /v1/visits and of POST /v1/referrals/{id}/visits with 26 sessions."""
    from chalice.test import Client

    from app import app
    from chalicelib import clock
    from local.runtime import EmbeddedAws
    from local.tokens import resolve_user, token_for
    from tests.visit_helpers import add_referral, add_worker

    week = clock.today() + timedelta(days=7)  # a booking is always still to come
    counter = DynamoDBReads()
    counter.install()
    runtime = EmbeddedAws(app, Path(tempfile.mkdtemp(prefix="bench-visits-"))).start()
    try:
        worker_id = add_worker("Casey Evans", "casey.worker@familycontact.example")
        one_referral, series_referral = add_referral(), add_referral()
        headers = {
            "Authorization": f"Bearer {token_for(resolve_user('supervisor', None))}",
            "Content-Type": "application/json",
        }
        one = {
            "referral_id": one_referral,
            "worker_id": worker_id,
            "start": f"{week}T10:00",
            "end": f"{week}T11:30",
            "venue": "Family Centre",
        }
        series = {
            "first_start": f"{week + timedelta(days=1)}T16:00",
            "length_minutes": 90,
            "repeat": "weekly",
            "sessions": SERIES,
            "worker_id": worker_id,
            "venue": "Family Centre",
        }
        with Client(app, stage_name="local") as client:
            counter.active = True
            response = client.http.post("/v1/visits", headers=headers, body=json.dumps(one))
            counter.active = False
            assert response.status_code == 201, response.json_body
            one_calls, counter.calls = dict(counter.calls), Counter()
            counter.active = True
            response = client.http.post(
                f"/v1/referrals/{series_referral}/visits", headers=headers, body=json.dumps(series)
            )
            counter.active = False
            assert response.status_code == 201 and response.json_body["count"] == SERIES, response.json_body
            series_calls = dict(counter.calls)
    finally:
        counter.uninstall()
        runtime.stop()
    return {"one": one_calls, "series": series_calls}


# -- changing a booked visit -----------------------------------------------------------------------

CHANGES = ("move", "reassign", "cancel")


def change_rows(counter) -> list[dict]:
    """AWS calls of moving (PATCH a new start), reassigning (PATCH a new worker) and cancelling a
    booked visit, each on its own visit. `counter` is a `scripts.aws_call_counter.CallCounter`, installed."""
    from chalice.test import Client

    from app import app
    from chalicelib import clock
    from local.runtime import EmbeddedAws
    from local.tokens import resolve_user, token_for
    from tests.visit_helpers import add_referral, add_worker

    runtime = EmbeddedAws(app, Path(tempfile.mkdtemp(prefix="bench-visit-changes-"))).start()
    rows: list[dict] = []
    try:
        casey = add_worker("Casey Evans", "casey.worker@familycontact.example")
        robin = add_worker("Robin Patel", "robin.worker@familycontact.example")
        headers = {
            "Authorization": f"Bearer {token_for(resolve_user('supervisor', None))}",
            "Content-Type": "application/json",
        }
        week = clock.today() + timedelta(days=7)

        def at(days: int, hhmm: str) -> str:
            return f"{(week + timedelta(days=days)).isoformat()}T{hhmm}"

        requests = {
            "move": ("patch", "", {"start": at(1, "14:00"), "end": at(1, "15:30")}),
            "reassign": ("patch", "", {"worker_id": robin}),
            "cancel": ("post", "/cancel", {"cancelled_by": "parent", "reason": "Mother unwell"}),
        }
        with Client(app, stage_name="local") as client:
            for day, change in enumerate(CHANGES):
                booking = {
                    "referral_id": add_referral(),
                    "worker_id": casey,
                    "start": at(day * 2, "10:00"),
                    "end": at(day * 2, "11:30"),
                    "venue": "Family Centre",
                }
                booked = client.http.post("/v1/visits", headers=headers, body=json.dumps(booking))
                assert booked.status_code == 201, booked.json_body
                method, suffix, body = requests[change]
                path = f"/v1/visits/{booked.json_body['id']}{suffix}"
                send = getattr(client.http, method)
                response, calls = counter.measure(send, path, headers=headers, body=json.dumps(body))
                assert response.status_code == 200, response.json_body
                breakdown = ", ".join(f"{name}×{n}" for name, n in sorted(Counter(calls).items()))
                rows.append(
                    {
                        "figure": f"AWS API calls to {change} a visit",
                        "value": len(calls),
                        "how": f"botocore before-call hook around {method.upper()} /v1/visits/{{id}}{suffix}: {breakdown}",
                    }
                )
    finally:
        runtime.stop()
    return rows


# -- the scan with a schedule ------------------------------------------------------------------------


def seed_visits(workers: int, visits: int) -> None:
    """`visits` scheduled visits spread over the workers, weekly from the Monday after TODAY."""
    from chalicelib.domain.local_time import ZONE_NAME, iso_utc
    from chalicelib.domain.visit_slots import slot
    from chalicelib.storage.visits import Visit, month_of

    first = datetime.combine(TODAY + timedelta(days=(7 - TODAY.weekday()) % 7 or 7), datetime.min.time())
    per_worker = visits // workers
    with Visit.batch_write() as batch:
        for index in range(workers):
            for n in range(per_worker):
                s = slot(first + timedelta(weeks=n, hours=10), 60)
                batch.save(
                    Visit(
                        f"v{index:06d}-{n:02d}",
                        referral_id=f"r{index:06d}",
                        referrer_id="u-referrer-1",
                        worker_id=f"w{index:06d}",
                        starts_at=iso_utc(s.starts_at),
                        ends_at=iso_utc(s.ends_at),
                        zone=ZONE_NAME,
                        month=month_of(s.starts_at),
                        venue="Family Centre",
                        participants={"children": [0], "family_members": [0], "labels": ["Child", "Mother"]},
                        status="SCHEDULED",
                        created_at="2029-01-01T09:00:00+00:00",
                        created_by="bench",
                        updated_at="2029-01-01T09:00:00+00:00",
                        version=1,
                    )
                )


def scan_with_visits(workers: int, visits: int) -> dict:
    from app import app
    from chalicelib.services import compliance_scan
    from local.runtime import EmbeddedAws

    counter = DynamoDBReads()
    counter.install()
    runtime = EmbeddedAws(app, Path(tempfile.mkdtemp(prefix="bench-visits-scan-"))).start()
    try:
        seed(workers)
        seed_visits(workers, visits)
        counter.active = True
        summary = compliance_scan.run(TODAY)
        counter.active = False
        emails = [m for m in runtime.outbox.messages() if "at risk" in m["subject"]]
    finally:
        counter.uninstall()
        runtime.stop()
    return {"calls": counter.calls, "items": counter.items, "summary": summary, "emails": len(emails)}


def visit_rows() -> list[dict]:
    rows: list[dict] = []
    booked = booking_calls()
    one, series = sum(booked["one"].values()), sum(booked["series"].values())

    def breakdown(calls: dict) -> str:
        return ", ".join(f"{name}×{n}" for name, n in sorted(calls.items()))

    rows.append(
        {
            "figure": "DynamoDB calls to book one visit",
            "value": one,
            "how": f"botocore before-call hook around POST /v1/visits: {breakdown(booked['one'])}",
        }
    )
    rows.append(
        {
            "figure": f"DynamoDB calls to book a series of {SERIES}",
            "value": series,
            "how": f"same hook around POST /v1/referrals/{{id}}/visits: {breakdown(booked['series'])}",
        }
    )
    rows.append(
        {
            "figure": f"booking calls ratio series of {SERIES} / one visit",
            "value": round(series / one, 2),
            "how": "the two call counts above",
            "limit": f"<= {BOOKING_RATIO_LIMIT}",
        }
    )
    results = {}
    for workers, visits in SCHEDULES:
        result = scan_with_visits(workers, visits)
        results[workers] = result
        summary = result["summary"]
        label = f"{workers:,} workers, {visits:,} visits"
        rows.append(
            {
                "figure": f"scan DynamoDB calls ({label})",
                "value": sum(result["calls"].values()),
                "how": f"one compliance_scan.run, {IN_WINDOW} clearances in window, {summary['became_non_compliant']} "
                f"newly non-compliant, {summary['visits_at_risk']} visits flagged, {result['emails']} supervisor "
                f"email: {breakdown(result['calls'])}",
            }
        )
        rows.append(
            {
                "figure": f"scan items read ({label})",
                "value": result["items"],
                "how": "after-call hook: ScannedCount of each Query, items returned by GetItem/BatchGetItem",
            }
        )
    small, large = (results[w] for w, _ in SCHEDULES)
    rows.append(
        {
            "figure": "scan with visits: calls ratio 10,000 / 100 workers",
            "value": round(sum(large["calls"].values()) / sum(small["calls"].values()), 2),
            "how": "the two call counts above",
            "limit": f"<= {SCAN_RATIO_LIMIT}",
        }
    )
    rows.append(
        {
            "figure": "scan with visits: items read ratio 10,000 / 100 workers",
            "value": round(large["items"] / small["items"], 2),
            "how": "the two item counts above",
            "limit": f"<= {SCAN_RATIO_LIMIT}",
        }
    )
    return rows


def main() -> int:
    from scripts.aws_call_counter import CallCounter

    counter = CallCounter()
    counter.install()
    failed = False
    for row in change_rows(counter) + visit_rows():
        limit = row.get("limit", "")
        over = bool(limit) and row["value"] > float(limit.removeprefix("<= "))
        failed |= over
        print(f"{row['figure']:<60} {row['value']!s:>8} {limit:<7} {'OVER LIMIT ' if over else ''}{row['how']}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
