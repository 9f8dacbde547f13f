"""HR's clearance pages over HTTP: access, the dashboard's colours, filter and sort, and the forms' errors."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.clearance_records import record_model
from chalicelib.domain.clearances import ClearanceKind, add_years
from chalicelib.domain.workers import NewWorker

TODAY = clock.today()
HR = Principal("u-hr-1", "hr@familycontact.example", "Jordan Lee", frozenset({Role.HR}))


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """The service's "today" stays TODAY even if the suite runs across midnight."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def add_worker(name: str, email: str, first_aid_expires: date | None, background: bool = True) -> str:
    from chalicelib.services import clearances, workers

    worker_id = workers.create_worker(NewWorker(name=name, email=email), HR.email)["worker_id"]
    records = {}
    if background:
        records[ClearanceKind.BACKGROUND_CHECK] = {
            "issued_on": TODAY - days(30),
            "check_type": "enhanced_dbs",
            "certificate_number": "0011",
        }
    if first_aid_expires is not None:
        records[ClearanceKind.FIRST_AID] = {
            "issued_on": min(add_years(first_aid_expires, -3), TODAY),
            "expires_on": first_aid_expires,
            "provider": "Red Cross",
            "level": "Paediatric",
        }
    for kind, body in records.items():
        clearances.record_clearance(worker_id, kind, record_model(kind).model_validate(body), HR)
    return worker_id


def form(auth_headers: dict) -> dict:
    return {**auth_headers, "Content-Type": "application/x-www-form-urlencoded"}


def row(html: str, worker_id: str) -> str:
    match = re.search(rf'<tr id="worker-{worker_id}".*?</tr>', html, re.S)
    assert match, f"no row for {worker_id}"
    return match.group(0)


def test_the_dashboard_sends_a_visitor_who_is_not_signed_in_to_sign_in(client):
    response = client.http.get("/hr/clearances")
    assert response.status_code == 303
    assert response.headers["Location"] == "/signin?next=/hr/clearances"


@pytest.mark.parametrize("role", ["supervisor", "worker", "referrer"])
def test_the_dashboard_is_for_hr_only(client, auth, role):
    response = client.http.get("/hr/clearances", headers={"Authorization": auth(role)["Authorization"]})
    assert response.status_code == 403


def test_each_worker_shows_red_amber_or_green_per_clearance(client, hr):
    # GIVEN a valid, an expiring, an expired and a missing worker
    valid = add_worker("Val Id", "val@example.org", add_years(TODAY, 2))
    expiring = add_worker("Soon", "soon@example.org", TODAY + days(20))
    expired = add_worker("Gone", "gone@example.org", TODAY - days(2))
    missing = add_worker("Nobody", "nobody@example.org", None, background=False)
    # WHEN HR opens the dashboard
    html = client.http.get("/hr/clearances", headers=hr).body.decode()
    # THEN each row's compliance and each clearance has its colour
    assert 'class="status status-green">Valid' in row(html, valid)
    assert 'data-kind="first_aid" data-status="EXPIRING"' in row(html, expiring)
    assert 'class="status status-amber">Expiring' in row(html, expiring)
    assert 'class="status status-red">Expired' in row(html, expired)
    gone_on = TODAY - days(2)
    assert f"First aid certificate expired on {gone_on.day} {gone_on:%B %Y}" in row(html, expired)
    assert 'class="status status-red">Missing' in row(html, missing)
    # AND optional kinds nobody recorded are grey, not red
    assert 'class="status status-grey">Not recorded' in row(html, valid)


def test_the_dashboard_sorts_by_soonest_expiry_or_by_name(client, hr):
    add_worker("Anna Later", "later@example.org", TODAY + days(50))
    add_worker("Ben Gone", "gone@example.org", TODAY - days(2))
    add_worker("Cara Nothing", "nothing@example.org", None, background=False)
    add_worker("Dev Soon", "soon@example.org", TODAY + days(10))

    def order(query: str) -> list[str]:
        html = client.http.get(f"/hr/clearances{query}", headers=hr).body.decode()
        return re.findall(r'<th scope="row">([^<]+)<br>', html)

    # Missing first (needs HR now), then the earliest expiry
    assert order("") == ["Cara Nothing", "Ben Gone", "Dev Soon", "Anna Later"]
    assert order("?sort=name") == ["Anna Later", "Ben Gone", "Cara Nothing", "Dev Soon"]


def test_the_dashboard_filters_by_compliance_status(client, hr):
    add_worker("Val Id", "val@example.org", add_years(TODAY, 2))
    gone = add_worker("Gone", "gone@example.org", TODAY - days(2))
    html = client.http.get("/hr/clearances?status=EXPIRED", headers=hr).body.decode()
    assert re.findall(r'<tr id="worker-([0-9a-f]+)"', html) == [gone]
    assert '<option value="EXPIRED" selected>' in html


def test_the_clearance_form_reshows_what_was_typed_with_each_error_beside_its_field(client, hr):
    # GIVEN a worker
    worker_id = add_worker("Gone", "gone@example.org", TODAY - days(2))
    # WHEN HR submits a renewal whose expiry is before its issue date and without a level
    issued = (TODAY - days(400)).isoformat()
    body = {"provider": "Red Cross", "level": "", "issued_on": issued, "expires_on": (TODAY - days(520)).isoformat()}
    response = client.http.post(f"/hr/clearances/{worker_id}/first_aid", headers=form(hr), body=urlencode(body))
    # THEN the form comes back with the error beside the field, in a summary, and the typed values kept
    assert response.status_code == 422
    html = response.body.decode()
    assert 'id="expires_on-error">Must be after the issue date (issued_on)</p>' in html
    assert '<a href="#expires_on">Expires on: Must be after the issue date (issued_on)</a>' in html
    assert f'name="issued_on" value="{issued}"' in html
    assert 'name="provider" value="Red Cross"' in html
    # AND nothing was recorded
    from chalicelib.services import workers

    assert workers.load_worker(worker_id).compliance_status == "EXPIRED"


def test_the_clearance_form_reports_a_date_that_does_not_exist_and_a_missing_kind_field_at_once(client, hr):
    # GIVEN a worker WHEN HR submits a date that does not exist and leaves the course level empty
    worker_id = add_worker("Gone", "gone@example.org", TODAY - days(2))
    body = {"provider": "Red Cross", "level": "", "issued_on": "2024-02-30"}
    response = client.http.post(f"/hr/clearances/{worker_id}/first_aid", headers=form(hr), body=urlencode(body))
    # THEN both errors are shown together, in the summary in the form's order
    assert response.status_code == 422
    html = response.body.decode()
    assert 'id="issued_on-error">Enter a real date as YYYY-MM-DD' in html
    assert 'id="level-error">Required for the first aid certificate</p>' in html
    summary = re.findall(r'<li><a href="#([a-z_]+)">', html)
    assert summary == ["level", "issued_on"]


def test_an_empty_clearance_form_names_every_required_field(client, hr):
    worker_id = add_worker("Nobody", "nobody@example.org", None, background=False)
    response = client.http.post(f"/hr/clearances/{worker_id}/background_check", headers=form(hr), body="")
    html = response.body.decode()
    assert response.status_code == 422
    assert re.findall(r'<li><a href="#([a-z_]+)">', html) == ["check_type", "certificate_number", "issued_on"]
    assert "Type of check: Required for the background check" in html


def test_a_renewal_saved_from_the_form_redirects_to_the_dashboard_where_the_row_is_green(client, hr):
    worker_id = add_worker("Gone", "gone@example.org", TODAY - days(2))
    body = {"provider": "Red Cross", "level": "Paediatric", "issued_on": TODAY.isoformat(), "expires_on": ""}
    response = client.http.post(f"/hr/clearances/{worker_id}/first_aid", headers=form(hr), body=urlencode(body))
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location == f"/hr/clearances?saved={worker_id}&kind=first_aid&flagged=0&cleared=0#worker-{worker_id}"
    html = client.http.get(location.split("#")[0], headers=hr).body.decode()
    assert "Saved Gone&#39;s first aid certificate." in html
    assert 'class="status status-green">Valid' in row(html, worker_id)


def test_the_form_for_an_unknown_kind_or_worker_is_a_404_page(client, hr):
    worker_id = add_worker("Val Id", "val@example.org", add_years(TODAY, 2))
    assert client.http.get(f"/hr/clearances/{worker_id}/yoga", headers=hr).status_code == 404
    assert client.http.get("/hr/clearances/nobody/first_aid", headers=hr).status_code == 404


def test_the_form_shows_the_certificate_on_record_and_keeps_its_provider_for_the_renewal(client, hr):
    worker_id = add_worker("Soon", "soon@example.org", TODAY + days(20))
    html = client.http.get(f"/hr/clearances/{worker_id}/first_aid", headers=hr).body.decode()
    due = TODAY + days(20)
    assert "Expiring" in html and f"{due.day} {due:%B %Y}" in html
    assert 'name="provider" value="Red Cross"' in html
    issued = min(add_years(TODAY + days(20), -3), TODAY)
    assert f'name="issued_on" value="{issued.isoformat()}"' in html


def test_renewal_applied_for_needs_only_its_date_on_the_prefilled_form(client, hr):
    # GIVEN a worker whose first aid certificate expires in 20 days
    from tests.functional.test_referral_pages import Html, as_browser_posts

    worker_id = add_worker("Soon", "soon@example.org", TODAY + days(20))
    path = f"/hr/clearances/{worker_id}/first_aid"
    # WHEN HR opens the form and gives only the date the worker applied to renew
    pairs = [
        (n, v) for n, v in as_browser_posts(Html(client.http.get(path, headers=hr).body)) if n != "renewal_applied_on"
    ]
    saved = client.http.post(
        path, headers=form(hr), body=urlencode([*pairs, ("renewal_applied_on", TODAY.isoformat())])
    )
    # THEN it is saved, and the certificate on record now shows the renewal applied for
    assert saved.status_code == 303, saved.body
    html = client.http.get(path, headers=hr).body.decode()
    assert "Renewal applied for" in html and "Renewal in progress" in html


def test_adding_a_worker_with_an_email_in_use_reshows_the_form_with_the_error_beside_email(client, hr):
    add_worker("Val Id", "val@example.org", None)
    body = {"name": "Val Again", "email": "VAL@example.org", "role": "", "phone": ""}
    response = client.http.post("/hr/workers/new", headers=form(hr), body=urlencode(body))
    assert response.status_code == 409
    html = response.body.decode()
    assert 'id="email-error">A worker with this email already exists</p>' in html
    assert 'name="name" value="Val Again"' in html


def test_adding_a_worker_redirects_to_the_dashboard_with_them_listed_as_missing(client, hr):
    body = {"name": "New Starter", "email": "new@example.org", "role": "", "phone": ""}
    response = client.http.post("/hr/workers/new", headers=form(hr), body=urlencode(body))
    assert response.status_code == 303
    html = client.http.get(response.headers["Location"].split("#")[0], headers=hr).body.decode()
    assert "Added New Starter." in html and "Missing" in html


def test_the_dashboard_csv_downloads_for_the_signed_in_hr_officer(client, hr):
    add_worker("Val Id", "val@example.org", add_years(TODAY, 2))
    response = client.http.get("/hr/clearances.csv", headers=hr)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "Val Id,val@example.org,Valid,First aid certificate,Yes,Valid," in response.body.decode()
