"""The workers and compliance API over HTTP: roles, every kind of bad input, renewals, listing and the CSV."""

from __future__ import annotations

import calendar
import csv
import io
import json
from datetime import date, timedelta

import pytest

from chalicelib import clock
from chalicelib.domain.clearances import add_years

TODAY = clock.today()
DAY = timedelta(days=1)
ISSUED_LAST_YEAR = (TODAY - timedelta(days=400)).isoformat()


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """The service's "today" stays TODAY even if the suite runs across midnight."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def background(issued: date = TODAY - timedelta(days=100), **extra) -> dict:
    body = {"issued_on": issued.isoformat(), "check_type": "enhanced_dbs", "certificate_number": "001234567890"}
    return {**body, **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in extra.items()}}


def first_aid(issued: date = TODAY - timedelta(days=100), expires: date | None = None, **extra) -> dict:
    body = {
        "issued_on": issued.isoformat(),
        "expires_on": (expires or add_years(issued, 3)).isoformat(),
        "provider": "St John Ambulance",
        "level": "Paediatric first aid (12-hour)",
    }
    return {**body, **{k: (v.isoformat() if isinstance(v, date) else v) for k, v in extra.items()}}


@pytest.fixture
def hr(auth) -> dict:
    return auth("hr")


@pytest.fixture
def new_worker(client, hr):
    """`new_worker(name, email, background=..., first_aid=...)`: a worker with those clearances recorded."""

    def make(name: str = "Casey Evans", email: str = "casey.new@example.org", **clearances) -> dict:
        response = client.http.post("/v1/workers", headers=hr, body=json.dumps({"name": name, "email": email}))
        assert response.status_code == 201, response.json_body
        worker = response.json_body
        for kind, body in clearances.items():
            put = client.http.put(
                f"/v1/workers/{worker['worker_id']}/clearances/{kind}", headers=hr, body=json.dumps(body)
            )
            assert put.status_code == 200, put.json_body
            worker = put.json_body
        return worker

    return make


def put_clearance(client, headers, worker_id: str, kind: str, body) -> object:
    payload = body if isinstance(body, str) else json.dumps(body)
    return client.http.put(f"/v1/workers/{worker_id}/clearances/{kind}", headers=headers, body=payload)


def paths(response) -> dict[str, str]:
    return {f["path"]: f["message"] for f in response.json_body["error"].get("fields", [])}


def clearance(worker: dict, kind: str) -> dict:
    return next(c for c in worker["clearances"] if c["kind"] == kind)


# -- creating workers ------------------------------------------------------------------------------


def test_hr_adds_a_worker_who_starts_missing_both_required_clearances(client, hr):
    # WHEN HR adds a worker
    response = client.http.post(
        "/v1/workers", headers=hr, body=json.dumps({"name": "Casey Evans", "email": "Casey.New@Example.org"})
    )
    # THEN it is created, with the email in lower case, not compliant until clearances are recorded
    assert response.status_code == 201
    worker = response.json_body
    assert worker["email"] == "casey.new@example.org"
    assert worker["role"] == "Family contact worker"
    assert worker["compliance"]["status"] == "MISSING"
    assert worker["compliance"]["compliant"] is False
    assert worker["compliance"]["reasons"] == ["background_check is missing", "first_aid is missing"]


def test_a_second_worker_with_the_same_email_in_any_case_is_409_on_the_email_field(client, hr, new_worker):
    # GIVEN a worker
    new_worker(email="casey.new@example.org")
    # WHEN HR adds another with the same email in capitals
    response = client.http.post(
        "/v1/workers", headers=hr, body=json.dumps({"name": "Someone Else", "email": "CASEY.NEW@example.org"})
    )
    # THEN it is refused as a conflict naming the field
    assert response.status_code == 409
    assert paths(response) == {"email": "A worker with this email already exists"}


def test_a_worker_with_missing_wrong_and_unknown_fields_is_422_naming_every_field(client, hr):
    # WHEN HR sends a worker with no name, a bad email, a bad phone and a field we do not know
    response = client.http.post(
        "/v1/workers",
        headers=hr,
        body=json.dumps({"email": "not-an-email", "phone": "call me", "salary": 30000}),
    )
    # THEN every problem comes back at once, each at its path
    assert response.status_code == 422
    found = paths(response)
    assert set(found) == {"name", "email", "phone", "salary"}
    assert found["name"] == "This field is required"
    assert found["salary"] == "Unknown field"
    assert found["email"].startswith("Enter a valid email address")


# -- roles ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "worker", "referrer"])
def test_only_hr_may_add_a_worker(client, auth, role):
    response = client.http.post(
        "/v1/workers", headers=auth(role), body=json.dumps({"name": "A Person", "email": "a@example.org"})
    )
    assert response.status_code == 403
    assert "hr" in response.json_body["error"]["message"]


@pytest.mark.parametrize("role", ["supervisor", "worker", "referrer"])
def test_only_hr_may_record_a_clearance(client, auth, new_worker, role):
    worker = new_worker()
    response = put_clearance(client, auth(role), worker["worker_id"], "background_check", background())
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("role", "status"), [("hr", 200), ("supervisor", 200), ("admin", 200), ("worker", 403), ("referrer", 403)]
)
def test_who_may_list_workers(client, auth, role, status):
    assert client.http.get("/v1/workers", headers=auth(role)).status_code == status


@pytest.mark.parametrize(("role", "status"), [("hr", 200), ("supervisor", 403), ("worker", 403), ("referrer", 403)])
def test_only_hr_may_read_compliance_and_its_csv(client, auth, role, status):
    assert client.http.get("/v1/compliance", headers=auth(role)).status_code == status
    assert client.http.get("/v1/compliance.csv", headers=auth(role)).status_code == status


def test_calls_without_a_token_are_401(client):
    for method, path in (("get", "/v1/workers"), ("get", "/v1/workers/x"), ("get", "/v1/compliance.csv")):
        assert getattr(client.http, method)(path).status_code == 401
    assert client.http.post("/v1/workers", body="{}", headers={"Content-Type": "application/json"}).status_code == 401


# -- reading one worker --------------------------------------------------------------------------


def test_supervisor_reads_a_worker_with_every_clearance(client, auth, new_worker):
    worker = new_worker(background_check=background(), first_aid=first_aid())
    response = client.http.get(f"/v1/workers/{worker['worker_id']}", headers=auth("supervisor"))
    assert response.status_code == 200
    body = response.json_body
    assert body["compliance"]["status"] == "VALID"
    assert [c["kind"] for c in body["clearances"]] == [
        "background_check",
        "first_aid",
        "driving_licence",
        "vehicle_insurance",
    ]
    check = clearance(body, "background_check")
    assert check["details"] == {"check_type": "enhanced_dbs", "certificate_number": "001234567890"}
    assert check["verified_by"] == "hr@familycontact.example"


def test_a_worker_reads_their_own_record_but_not_a_colleagues(client, auth, new_worker):
    # GIVEN the demo worker Casey's record and a colleague's
    own = new_worker("Casey Evans", "casey.worker@familycontact.example")
    colleague = new_worker("Robin Patel", "robin.worker@familycontact.example")
    casey = auth(email="casey.worker@familycontact.example")
    # WHEN Casey reads each
    mine = client.http.get(f"/v1/workers/{own['worker_id']}", headers=casey)
    theirs = client.http.get(f"/v1/workers/{colleague['worker_id']}", headers=casey)
    unknown = client.http.get("/v1/workers/no-such-worker", headers=casey)
    # THEN only their own is shown; a colleague's and an unknown id look the same
    assert mine.status_code == 200 and mine.json_body["email"] == "casey.worker@familycontact.example"
    assert theirs.status_code == 403 and unknown.status_code == 403


def test_a_referrer_may_not_read_a_worker(client, auth, new_worker):
    worker = new_worker()
    assert client.http.get(f"/v1/workers/{worker['worker_id']}", headers=auth("referrer")).status_code == 403


def test_an_unknown_worker_is_404(client, hr):
    assert client.http.get("/v1/workers/no-such-worker", headers=hr).status_code == 404
    response = put_clearance(client, hr, "no-such-worker", "background_check", background())
    assert response.status_code == 404
    assert "no-such-worker" in response.json_body["error"]["message"]


# -- recording and renewing clearances -----------------------------------------------------------


def test_recording_both_required_clearances_makes_the_worker_valid(client, hr, new_worker):
    worker = new_worker()
    put_clearance(client, hr, worker["worker_id"], "background_check", background())
    response = put_clearance(client, hr, worker["worker_id"], "first_aid", first_aid())
    assert response.status_code == 200
    assert response.json_body["compliance"]["status"] == "VALID"
    assert response.json_body["compliance"]["recorded_status"] == "VALID"
    assert response.json_body["compliance"]["non_compliant_since"] is None


def test_a_background_check_without_expiry_expires_by_the_renewal_policy_from_a_leap_day(client, hr, new_worker):
    # GIVEN a certificate issued on the last 29 February with no expiry of its own
    leap_year = next(year for year in range(TODAY.year, 0, -1) if calendar.isleap(year) and date(year, 2, 29) <= TODAY)
    worker = new_worker()
    response = put_clearance(client, hr, worker["worker_id"], "background_check", background(date(leap_year, 2, 29)))
    # THEN it expires 3 years on, on 28 February, by policy
    check = clearance(response.json_body, "background_check")
    assert (check["expires_on"], check["expiry_source"]) == (f"{leap_year + 3}-02-28", "policy")


def test_the_renewal_policy_years_come_from_configuration(client, hr, new_worker, monkeypatch):
    monkeypatch.setenv("CLEARANCE_DEFAULT_VALIDITY_YEARS", "1")
    worker = new_worker()
    issued = date(TODAY.year - 2, 3, 1)
    response = put_clearance(client, hr, worker["worker_id"], "background_check", background(issued))
    assert clearance(response.json_body, "background_check")["expires_on"] == f"{TODAY.year - 1}-03-01"


def test_a_renewal_replaces_the_certificate_and_keeps_the_earlier_one_in_the_history(client, auth, hr, new_worker):
    # GIVEN a worker with a first aid certificate
    worker = new_worker(first_aid=first_aid(TODAY - days(1000), TODAY + days(95)))
    # WHEN HR records the renewed certificate
    renewed = first_aid(TODAY - days(3), certificate_number="FA-2")
    response = put_clearance(client, hr, worker["worker_id"], "first_aid", renewed)
    # THEN the new one is current and both are in the history, newest first
    assert response.status_code == 200
    current = clearance(response.json_body, "first_aid")
    assert current["issued_on"] == renewed["issued_on"]
    assert [(h["action"], h["issued_on"]) for h in current["history"]] == [
        ("renewed", renewed["issued_on"]),
        ("recorded", (TODAY - days(1000)).isoformat()),
    ]
    # AND the audit log records both changes
    audit = client.http.get(f"/v1/audit?entity=worker&id={worker['worker_id']}", headers=auth("admin"))
    actions = {e["action"] for e in audit.json_body["events"]}
    assert {"created", "clearance_recorded", "clearance_renewed"} <= actions


def test_repeating_the_same_put_records_nothing_new(client, hr, new_worker):
    # GIVEN a recorded first aid certificate
    body = first_aid(TODAY - days(10))
    worker = new_worker(first_aid=body)
    # WHEN the same PUT arrives again (a retry)
    response = put_clearance(client, hr, worker["worker_id"], "first_aid", body)
    # THEN it succeeds and the history still holds one entry
    assert response.status_code == 200
    assert len(clearance(response.json_body, "first_aid")["history"]) == 1


def test_recording_a_renewal_application_on_the_current_certificate_is_kept_in_the_history(client, hr, new_worker):
    body = first_aid(TODAY - days(1000), TODAY + days(40))
    worker = new_worker(background_check=background(), first_aid=body)
    response = put_clearance(
        client, hr, worker["worker_id"], "first_aid", {**body, "renewal_applied_on": TODAY.isoformat()}
    )
    current = clearance(response.json_body, "first_aid")
    assert current["status"] == "RENEWAL_IN_PROGRESS"
    assert [h["action"] for h in current["history"]] == ["renewal_applied", "recorded"]


def test_a_certificate_older_than_the_one_on_record_is_422_on_issued_on(client, hr, new_worker):
    worker = new_worker(first_aid=first_aid(TODAY - days(10)))
    response = put_clearance(client, hr, worker["worker_id"], "first_aid", first_aid(TODAY - days(400)))
    assert response.status_code == 422
    assert "record the newest certificate" in paths(response)["issued_on"]


def test_a_renewal_applied_for_keeps_the_worker_assignable_through_the_grace_period(client, hr, new_worker):
    # GIVEN a first aid certificate that expired yesterday, renewal applied for before it expired
    worker = new_worker(background_check=background())
    expired = first_aid(add_years(TODAY - DAY, -3), TODAY - DAY, renewal_applied_on=TODAY - days(5))
    response = put_clearance(client, hr, worker["worker_id"], "first_aid", expired)
    # THEN the worker is still compliant, in renewal
    body = response.json_body
    assert body["compliance"]["status"] == "RENEWAL_IN_PROGRESS" and body["compliance"]["compliant"] is True
    assert clearance(body, "first_aid")["grace_ends_on"] == (TODAY - DAY + days(30)).isoformat()
    # AND the assignment guard says so for today, and no after the grace period
    from chalicelib.services.workers import worker_compliant_on

    assert worker_compliant_on(worker["worker_id"], TODAY) == (True, [])
    allowed, reasons = worker_compliant_on(worker["worker_id"], TODAY + days(30))
    assert allowed is False and "grace period ended" in reasons[0]


def test_with_no_grace_period_configured_a_lapsed_renewal_is_expired(client, hr, new_worker, monkeypatch):
    monkeypatch.setenv("CLEARANCE_RENEWAL_GRACE_DAYS", "0")
    worker = new_worker(background_check=background())
    expired = first_aid(add_years(TODAY - DAY, -3), TODAY - DAY, renewal_applied_on=TODAY - days(5))
    response = put_clearance(client, hr, worker["worker_id"], "first_aid", expired)
    assert response.json_body["compliance"]["status"] == "EXPIRED"


def test_the_required_kinds_come_from_configuration(client, hr, new_worker, monkeypatch):
    monkeypatch.setenv("CLEARANCE_REQUIRED_KINDS", "background_check")
    worker = new_worker(background_check=background())
    assert worker["compliance"]["status"] == "VALID"
    assert clearance(worker, "first_aid")["required"] is False


def test_the_warning_window_comes_from_configuration(client, hr, new_worker, monkeypatch):
    monkeypatch.setenv("CLEARANCE_WARNING_DAYS", "10")
    worker = new_worker(background_check=background(), first_aid=first_aid(TODAY - days(700), TODAY + days(20)))
    assert clearance(worker, "first_aid")["status"] == "VALID"


# -- bad clearance input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"expires_on": (TODAY - days(200)).isoformat()}, "expires_on", "Must be after the issue date (issued_on)"),
        ({"issued_on": "2025-02-30"}, "issued_on", "Enter a real date as YYYY-MM-DD"),
        ({"expires_on": "2031-13-01"}, "expires_on", "Enter a real date as YYYY-MM-DD"),
        ({"issued_on": "yesterday"}, "issued_on", "Must be a date written as YYYY-MM-DD"),
        ({"issued_on": 1700000000}, "issued_on", "Must be a date written as YYYY-MM-DD"),
        ({"issued_on": "2024-01-01T10:00:00"}, "issued_on", "Must be a date written as YYYY-MM-DD"),
        ({"issued_on": (TODAY + DAY).isoformat()}, "issued_on", "Must not be in the future"),
        ({"issued_on": None}, "issued_on", "Must be a date written as YYYY-MM-DD"),
        ({"expires_on": (TODAY + days(365 * 30)).isoformat()}, "expires_on", "Must be within 20 years"),
        ({"renewal_applied_on": (TODAY + DAY).isoformat()}, "renewal_applied_on", "Must not be in the future"),
        ({"renewal_applied_on": "2001-01-01"}, "renewal_applied_on", "Must not be before the issue date"),
        ({"verified_on": (TODAY + DAY).isoformat()}, "verified_on", "Must not be in the future"),
        ({"certificate_number": "<script>"}, "certificate_number", "Use letters, digits"),
        ({"certificate_number": "1" * 41}, "certificate_number", "Must be at most 40 characters"),
        ({"check_type": "palm_reading"}, "check_type", "Must be one of"),
        ({"notes": "x" * 1001}, "notes", "Must be at most 1000 characters"),
        ({"colour": "blue"}, "colour", "Unknown field"),
    ],
)
def test_bad_clearance_input_is_422_at_its_path(client, hr, new_worker, change, path, message):
    # GIVEN a worker WHEN HR sends a background check with one thing wrong
    worker = new_worker()
    response = put_clearance(client, hr, worker["worker_id"], "background_check", {**background(), **change})
    # THEN it is refused with that field named, and nothing is recorded
    assert response.status_code == 422, response.json_body
    assert message in paths(response)[path]
    after = client.http.get(f"/v1/workers/{worker['worker_id']}", headers=hr).json_body
    assert clearance(after, "background_check")["status"] == "MISSING"


def test_a_missing_issue_date_is_required(client, hr, new_worker):
    worker = new_worker()
    body = background()
    del body["issued_on"]
    response = put_clearance(client, hr, worker["worker_id"], "background_check", body)
    assert response.status_code == 422
    assert paths(response) == {"issued_on": "This field is required"}


def test_each_kind_names_the_fields_it_needs_and_the_ones_it_does_not_use(client, hr, new_worker):
    worker = new_worker()
    # A first aid certificate without provider and level, carrying an insurer
    response = put_clearance(
        client, hr, worker["worker_id"], "first_aid", {"issued_on": ISSUED_LAST_YEAR, "insurer": "Northshire Mutual"}
    )
    assert response.status_code == 422
    assert paths(response) == {
        "provider": "Required for the first aid certificate",
        "level": "Required for the first aid certificate",
        "insurer": "Not used for the first aid certificate: leave it out",
    }


@pytest.mark.parametrize("kind", ["driving_licence", "vehicle_insurance"])
def test_a_licence_or_insurance_without_an_expiry_date_is_422(client, hr, new_worker, kind):
    worker = new_worker()
    body = {"issued_on": ISSUED_LAST_YEAR, "licence_number": "EVANS803155C99XY"}
    if kind == "vehicle_insurance":
        body = {"issued_on": ISSUED_LAST_YEAR, "insurer": "Northshire Mutual", "policy_number": "NM-1"}
    response = put_clearance(client, hr, worker["worker_id"], kind, body)
    assert response.status_code == 422
    assert paths(response)["expires_on"] == f"Required for the {kind.replace('_', ' ')}"


def test_an_unknown_clearance_kind_is_404_listing_the_kinds(client, hr, new_worker):
    worker = new_worker()
    response = put_clearance(client, hr, worker["worker_id"], "yoga_certificate", background())
    assert response.status_code == 404
    message = response.json_body["error"]["message"]
    assert "yoga_certificate" in message and "background_check, first_aid, driving_licence" in message


def test_an_unknown_kind_is_404_even_with_a_body_that_would_not_validate(client, hr, new_worker):
    worker = new_worker()
    response = put_clearance(client, hr, worker["worker_id"], "yoga_certificate", {"issued_on": "2024-02-30"})
    assert response.status_code == 404


def test_format_errors_and_the_kinds_own_fields_come_back_in_one_answer(client, hr, new_worker):
    worker = new_worker()
    # A first aid certificate with an impossible date, no provider or level, and an insurer
    body = {"issued_on": "2024-02-30", "insurer": "Northshire Mutual"}
    response = put_clearance(client, hr, worker["worker_id"], "first_aid", body)
    assert response.status_code == 422
    assert {"issued_on", "provider", "level", "insurer"} <= set(paths(response))


def test_a_body_that_is_not_json_is_400(client, hr, new_worker):
    worker = new_worker()
    response = put_clearance(client, hr, worker["worker_id"], "background_check", '{"issued_on": ')
    assert response.status_code == 400


def test_a_body_that_is_not_an_object_is_422(client, hr, new_worker):
    worker = new_worker()
    response = put_clearance(client, hr, worker["worker_id"], "background_check", "[1, 2]")
    assert response.status_code == 422


def test_a_form_encoded_body_is_415(client, hr, new_worker):
    worker = new_worker()
    headers = {**hr, "Content-Type": "application/x-www-form-urlencoded"}
    response = put_clearance(client, headers, worker["worker_id"], "background_check", "issued_on=2024-01-01")
    assert response.status_code == 415


def test_a_body_over_256_kib_is_413(client, hr, new_worker):
    worker = new_worker()
    huge = json.dumps({**background(), "notes": "x" * (300 * 1024)})
    assert put_clearance(client, hr, worker["worker_id"], "background_check", huge).status_code == 413


# -- listing ---------------------------------------------------------------------------------------


def test_workers_are_listed_in_name_order_page_by_page_without_repeats(client, hr, new_worker):
    # GIVEN five workers
    for name in ("Eve", "Bob", "Dan", "Ann", "Cat"):
        new_worker(f"{name} Worker", f"{name.lower()}@example.org")
    # WHEN the list is read two at a time
    names, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.http.get(f"/v1/workers{query}", headers=hr).json_body
        names += [w["name"] for w in body["workers"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    # THEN every worker comes once, in name order, over three pages with no empty last page
    assert names == ["Ann Worker", "Bob Worker", "Cat Worker", "Dan Worker", "Eve Worker"]
    assert pages == 3


def test_the_list_filters_by_compliance_today(client, hr, new_worker):
    # GIVEN a valid, an expired and a missing worker
    new_worker("Val Id", "val@example.org", background_check=background(), first_aid=first_aid())
    new_worker(
        "Ex Pired",
        "ex@example.org",
        background_check=background(),
        first_aid=first_aid(add_years(TODAY - days(3), -3), TODAY - days(3)),
    )
    new_worker("Miss Ing", "miss@example.org", background_check=background())
    # WHEN HR lists the expired and missing ones
    body = client.http.get("/v1/workers?compliance=expired,MISSING", headers=hr).json_body
    # THEN only those come back, each with its reasons
    assert [(w["name"], w["compliance"]["status"]) for w in body["workers"]] == [
        ("Ex Pired", "EXPIRED"),
        ("Miss Ing", "MISSING"),
    ]
    assert body["workers"][0]["compliance"]["reasons"] == [f"first_aid expired on {(TODAY - days(3)).isoformat()}"]


def test_a_filtered_list_pages_through_matches_only(client, hr, new_worker):
    for index in range(5):
        new_worker(f"Missing {index}", f"m{index}@example.org")
        new_worker(f"Valid {index}", f"v{index}@example.org", background_check=background(), first_aid=first_aid())
    first = client.http.get("/v1/workers?compliance=VALID&limit=3", headers=hr).json_body
    second = client.http.get(f"/v1/workers?compliance=VALID&limit=3&cursor={first['next_cursor']}", headers=hr)
    assert [w["name"] for w in first["workers"]] == ["Valid 0", "Valid 1", "Valid 2"]
    assert [w["name"] for w in second.json_body["workers"]] == ["Valid 3", "Valid 4"]
    assert second.json_body["next_cursor"] is None


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("?compliance=GREEN", "compliance"),
        ("?limit=0", "limit"),
        ("?limit=201", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=not-a-cursor", "cursor"),
        ("?cursor=eyJhIjogMX0=", "cursor"),  # valid base64 JSON, not our shape
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(client, hr, query, path):
    response = client.http.get(f"/v1/workers{query}", headers=hr)
    assert response.status_code == 400
    assert path in paths(response)


# -- compliance and CSV ---------------------------------------------------------------------------


def test_compliance_counts_workers_by_status_and_lists_who_expires_in_the_next_n_days(client, hr, new_worker):
    # GIVEN workers valid, expiring in 20 and 50 days, expired and missing
    new_worker("Val Id", "val@example.org", background_check=background(), first_aid=first_aid())
    new_worker(
        "Soon",
        "soon@example.org",
        background_check=background(),
        first_aid=first_aid(TODAY - days(700), TODAY + days(20)),
    )
    new_worker(
        "Later",
        "later@example.org",
        background_check=background(),
        first_aid=first_aid(TODAY - days(700), TODAY + days(50)),
    )
    new_worker(
        "Gone", "gone@example.org", background_check=background(), first_aid=first_aid(TODAY - days(800), TODAY - DAY)
    )
    new_worker("Nobody", "nobody@example.org")
    # WHEN HR asks who expires in the next 30 days
    body = client.http.get("/v1/compliance?days=30", headers=hr).json_body
    # THEN counts cover everyone and only the 20-day expiry is listed
    assert body["workers"] == 5 and body["compliant"] == 3
    assert body["counts"] == {"VALID": 1, "EXPIRING": 2, "RENEWAL_IN_PROGRESS": 0, "MISSING": 1, "EXPIRED": 1}
    assert body["clearances"]["first_aid"]["EXPIRED"] == 1
    assert [(e["name"], e["kind"], e["days_left"]) for e in body["expiring"]] == [("Soon", "first_aid", 20)]
    # AND with the default window (60 days) both upcoming expiries are listed, soonest first
    default = client.http.get("/v1/compliance", headers=hr).json_body
    assert default["days"] == 60
    assert [e["name"] for e in default["expiring"]] == ["Soon", "Later"]


@pytest.mark.parametrize("query", ["?days=0", "?days=367", "?days=-1", "?days=soon"])
def test_bad_days_is_400_naming_the_parameter(client, hr, query):
    response = client.http.get(f"/v1/compliance{query}", headers=hr)
    assert response.status_code == 400
    assert "days" in paths(response)


def test_compliance_csv_is_an_attachment_with_a_row_per_worker_and_kind(client, hr, new_worker):
    # GIVEN one valid worker and one with a name a spreadsheet would run as a formula
    new_worker("Val Id", "val@example.org", background_check=background(), first_aid=first_aid())
    new_worker('=HYPERLINK("http://evil.example")', "formula@example.org")
    # WHEN HR downloads the CSV
    response = client.http.get("/v1/compliance.csv", headers=hr)
    # THEN it is a CSV attachment
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="worker-clearances-{TODAY.isoformat()}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.body.decode("utf-8"))))
    # AND has a row per worker and required kind, with statuses and dates
    assert [(r["name"], r["kind"], r["status"]) for r in rows] == [
        ('\'=HYPERLINK("http://evil.example")', "background_check", "MISSING"),
        ('\'=HYPERLINK("http://evil.example")', "first_aid", "MISSING"),
        ("Val Id", "background_check", "VALID"),
        ("Val Id", "first_aid", "VALID"),
    ]
    valid = rows[3]
    assert valid["expires_on"] == add_years(TODAY - days(100), 3).isoformat()
    assert valid["required"] == "yes" and valid["compliance"] == "VALID"


def test_compliance_csv_with_days_has_only_what_expires_in_that_window(client, hr, new_worker):
    new_worker(
        "Soon",
        "soon@example.org",
        background_check=background(),
        first_aid=first_aid(TODAY - days(700), TODAY + days(20)),
    )
    new_worker("Val Id", "val@example.org", background_check=background(), first_aid=first_aid())
    response = client.http.get("/v1/compliance.csv?days=30", headers=hr)
    rows = list(csv.DictReader(io.StringIO(response.body.decode("utf-8"))))
    assert [(r["name"], r["kind"], r["days_left"]) for r in rows] == [("Soon", "first_aid", "20")]


def test_request_paths_never_scan_a_table(client, hr, new_worker, monkeypatch):
    # GIVEN a few workers
    worker = new_worker(background_check=background(), first_aid=first_aid())
    new_worker("Other", "other@example.org")
    from botocore.client import BaseClient

    operations = []
    real_call = BaseClient._make_api_call

    def recording(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            operations.append(operation)
        return real_call(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    # WHEN every read route is called
    for path in (
        "/v1/workers",
        "/v1/workers?compliance=VALID",
        f"/v1/workers/{worker['worker_id']}",
        "/v1/compliance",
        "/v1/compliance.csv",
        "/hr/clearances",
    ):
        assert client.http.get(path, headers=hr).status_code == 200
    # THEN each read is a GetItem or a Query
    assert operations and set(operations) <= {"GetItem", "Query", "BatchGetItem"}


def test_a_sign_in_email_finds_its_worker_record_in_any_case(new_worker):
    from chalicelib.domain.identity import normalise_email
    from chalicelib.services.workers import find_worker_by_email

    worker = new_worker("Casey Evans", "Casey.Worker@familycontact.example")
    # sign-in normalises the email once; the record is then found by exact comparison
    signed_in = normalise_email(" Casey.Worker@FamilyContact.example ")
    assert find_worker_by_email(signed_in).worker_id == worker["worker_id"]
    assert find_worker_by_email("ca\u017fey.worker@familycontact.example") is None  # a look-alike is someone else
    assert find_worker_by_email("nobody@familycontact.example") is None


def test_an_unknown_worker_is_404_even_when_the_body_lacks_the_kinds_fields(client, hr):
    response = put_clearance(client, hr, "no-such-worker", "first_aid", {"issued_on": "2024-01-01"})
    assert response.status_code == 404
