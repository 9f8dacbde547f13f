"""POST /v1/referrals and friends: bad input gets a specific error and changes nothing; repeats do nothing twice."""

from __future__ import annotations

import copy
import json
import threading
from datetime import date

import pytest

from tests.dates import example_referral, iso_days_from_today, plan_day
from tests.helpers import submit_referral


def _count_referrals(client, auth) -> int:
    return len(client.http.get("/v1/referrals", headers=auth("referrer")).json_body["referrals"])


def _errors(response) -> dict[str, str]:
    return {f["path"]: f["message"] for f in response.json_body["error"].get("fields", [])}


def _born_before_start(body: dict, years: int) -> str:
    """A date of birth `years` before the body's contact start date (its 1 January)."""
    start = date.fromisoformat(body["contact"]["start_date"])
    return date(start.year - years, 1, 1).isoformat()


def _with(change) -> dict:
    body = copy.deepcopy(example_referral())
    change(body)
    return body


BAD_BODIES = [
    ("unknown field", lambda b: b.update(favourite_colour="blue"), "favourite_colour"),
    ("missing field", lambda b: b["referrer"].pop("email"), "referrer.email"),
    ("wrong type", lambda b: b["contact"]["frequency"].update(sessions="twice"), "contact.frequency.sessions"),
    (
        "date that does not exist",
        lambda b: b["children"][0].update(date_of_birth="2019-02-30"),
        "children[0].date_of_birth",
    ),
    (
        "child born in the future",
        lambda b: b["children"][0].update(date_of_birth=iso_days_from_today(30)),
        "children[0].date_of_birth",
    ),
    (
        "child 18 or older at the start date",
        lambda b: b["children"][1].update(date_of_birth=_born_before_start(b, 22)),  # 2005 when written
        "children[1].date_of_birth",
    ),
    ("end before start", lambda b: b["contact"].update(end_date=plan_day(-10).isoformat()), "contact.end_date"),
    ("more than 10 children", lambda b: b.update(children=[b["children"][0]] * 11), "children"),
    ("no children", lambda b: b.update(children=[]), "children"),
    ("text over its limit", lambda b: b["children"][0].update(needs_notes="x" * 4001), "children[0].needs_notes"),
    ("consent not confirmed", lambda b: b.update(consent_confirmed=False), "consent_confirmed"),
    ("court order without its reference", lambda b: b["legal_basis"].update(reference=None), "legal_basis.reference"),
    ("bad email", lambda b: b["referrer"].update(email="not-an-email"), "referrer.email"),
    (
        "control characters in a name",
        lambda b: b["children"][0].update(first_name="Maya\nBcc: x@evil.example"),
        "children[0].first_name",
    ),
    (
        "date given as a unix time",
        lambda b: b["children"][0].update(date_of_birth=1557792000),
        "children[0].date_of_birth",
    ),
    (
        "start date before a child was born",
        lambda b: b["contact"].update(start_date="2001-01-01", end_date=None),
        "contact.start_date",
    ),
]


@pytest.mark.parametrize("case, change, path", BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_referral_is_422_naming_the_field_and_saves_nothing(client, auth, case, change, path):
    # WHEN a referral with one specific problem is submitted
    response = submit_referral(client, auth("referrer"), _with(change))
    # THEN the answer is 422 with that field's path and a message, and nothing was saved
    assert response.status_code == 422, response.body
    assert path in _errors(response), _errors(response)
    assert _errors(response)[path]
    assert _count_referrals(client, auth) == 0


def test_every_field_error_is_reported_at_once(client, auth):
    def several(b):
        b["referrer"].pop("name")
        b["children"][0]["date_of_birth"] = iso_days_from_today(30)
        b["family_members"][0]["relationship"] = ""

    response = submit_referral(client, auth("referrer"), _with(several))
    assert response.status_code == 422
    assert {"referrer.name", "children[0].date_of_birth", "family_members[0].relationship"} <= set(_errors(response))


def test_body_that_is_not_json_is_400(client, auth):
    response = client.http.post("/v1/referrals", headers=auth("referrer"), body='{"children": [')
    assert response.status_code == 400
    assert "not valid JSON" in response.json_body["error"]["message"]


def test_json_that_is_not_an_object_is_422(client, auth):
    response = client.http.post("/v1/referrals", headers=auth("referrer"), body="[1, 2]")
    assert response.status_code == 422
    assert _errors(response) == {"": "Expected a JSON object"}


def test_wrong_content_type_is_415(client, auth):
    headers = {**auth("referrer"), "Content-Type": "text/plain"}
    response = client.http.post("/v1/referrals", headers=headers, body=json.dumps(example_referral()))
    assert response.status_code == 415


def test_body_over_256_kib_is_413(client, auth):
    body = _with(lambda b: b.update(padding="x" * (256 * 1024)))
    response = submit_referral(client, auth("referrer"), body)
    assert response.status_code == 413
    assert _count_referrals(client, auth) == 0


def test_only_referrers_may_submit(client, auth):
    response = submit_referral(client, auth("hr"), example_referral())
    assert response.status_code == 403


def test_valid_referral_is_201_with_its_id_status_and_history(client, auth, runtime):
    response = submit_referral(client, auth("referrer"), example_referral())
    assert response.status_code == 201
    assert response.json_body["status"] == "SUBMITTED"
    assert response.json_body["history"][0]["to"] == "SUBMITTED"
    events = client.http.get(f"/v1/audit?entity=referral&id={response.json_body['id']}", headers=auth("admin"))
    assert "referral.submitted" in [e["action"] for e in events.json_body["events"]]


# -- idempotency ------------------------------------------------------------------------------------


WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem")


def _idempotency_items() -> list[dict]:
    """The idempotency table's items as DynamoDB holds them (test inspection only)."""
    import boto3

    from chalicelib.storage.idempotency import IdempotencyClaim

    return boto3.client("dynamodb").scan(TableName=IdempotencyClaim.Meta.table_name)["Items"]


@pytest.mark.parametrize("key", [None, "form-7f3a"], ids=["without a key", "with a key"])
def test_intake_is_one_transaction_and_one_start_execution(client, auth, key):
    from tests.aws_calls import calls_made

    # WHEN a referrer submits a referral (the key, if any, claimed in the referral's own transaction)
    with calls_made() as calls:
        response = submit_referral(client, auth("referrer"), example_referral(), key=key)
    # THEN it costs the floor: the one write and the start of its review
    assert response.status_code == 201, response.body
    assert calls == ["dynamodb:TransactWriteItems", "states:StartExecution"]


def test_same_key_and_body_twice_returns_the_same_referral_and_creates_one(client, auth):
    from tests.aws_calls import calls_made

    first = submit_referral(client, auth("referrer"), example_referral(), key="form-7f3a")
    # WHEN the same request comes again
    with calls_made() as calls:
        second = submit_referral(client, auth("referrer"), example_referral(), key="form-7f3a")
    # THEN it answers the same referral, read back; its transaction wrote nothing and no review started again
    assert first.status_code == second.status_code == 201
    assert first.json_body["id"] == second.json_body["id"]
    assert second.json_body["submission"] == first.json_body["submission"]
    assert calls == ["dynamodb:TransactWriteItems", "dynamodb:GetItem", "dynamodb:GetItem"]
    assert not [call for call in calls if call.endswith(WRITES)]
    assert _count_referrals(client, auth) == 1
    events = client.http.get(f"/v1/audit?entity=referral&id={first.json_body['id']}", headers=auth("admin"))
    assert [e["action"] for e in events.json_body["events"]].count("referral.submitted") == 1
    assert len(_idempotency_items()) == 1


def test_the_idempotency_item_holds_only_the_referral_id_and_when_it_expires(client, auth):
    from datetime import timedelta

    from chalicelib import clock
    from chalicelib.services.referrals import IDEMPOTENCY_TTL_SECONDS

    before = clock.now()
    referral_id = submit_referral(client, auth("referrer"), example_referral(), key="form-7f3a").json_body["id"]
    after = clock.now()
    # THEN the one item is the hashed key, the referral's id and its TTL: nothing of the child or the key
    [item] = _idempotency_items()
    assert set(item) == {"id", "referral_id", "expires_at"}
    assert item["referral_id"] == {"S": referral_id}
    assert "form-7f3a" not in json.dumps(item)
    expires = int(item["expires_at"]["N"])
    ttl = timedelta(seconds=IDEMPOTENCY_TTL_SECONDS)
    assert int((before + ttl).timestamp()) <= expires <= int((after + ttl).timestamp()) + 1


def test_same_key_with_a_different_body_is_409_and_creates_nothing_more(client, auth):
    first = submit_referral(client, auth("referrer"), example_referral(), key="form-7f3a")
    other = _with(lambda b: b["children"][0].update(first_name="Different"))
    response = submit_referral(client, auth("referrer"), other, key="form-7f3a")
    assert response.status_code == 409
    error = response.json_body["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in error["message"] and first.json_body["reference"] in error["message"]
    assert _count_referrals(client, auth) == 1


def test_another_referrers_same_key_is_their_own_referral(client, auth):
    first = submit_referral(client, auth("referrer"), example_referral(), key="form-7f3a")
    other = submit_referral(client, auth(email="alex.referrer@council.example"), example_referral(), key="form-7f3a")
    assert first.status_code == other.status_code == 201
    assert first.json_body["id"] != other.json_body["id"]


def test_a_key_whose_claim_has_expired_makes_a_new_referral(client, auth, monkeypatch):
    from datetime import timedelta

    from chalicelib import clock
    from chalicelib.services.referrals import IDEMPOTENCY_TTL_SECONDS

    first = submit_referral(client, auth("referrer"), example_referral(), key="form-7f3a")
    # GIVEN the claim's time has passed, and DynamoDB's TTL has not yet removed it
    later = clock.now() + timedelta(seconds=IDEMPOTENCY_TTL_SECONDS + 60)
    monkeypatch.setattr(clock, "now", lambda: later)
    # WHEN the key comes again
    again = submit_referral(client, auth("referrer"), example_referral(), key="form-7f3a")
    # THEN it is a new referral, and the key is now claimed for it
    assert again.status_code == 201 and again.json_body["id"] != first.json_body["id"]
    assert [item["referral_id"]["S"] for item in _idempotency_items()] == [again.json_body["id"]]


def test_twenty_concurrent_submissions_with_one_key_create_exactly_one_referral(client, auth, runtime):
    from chalicelib.auth import Principal, Role
    from chalicelib.domain.referral_form import ReferralSubmission
    from chalicelib.services import referrals

    referrer = Principal("u-referrer-1", "sam.referrer@council.example", "Sam", frozenset({Role.REFERRER}))
    submission = ReferralSubmission.model_validate(example_referral())
    results, failures = [], []
    start = threading.Barrier(20)

    def submit_once():
        start.wait()
        try:
            results.append(referrals.submit(referrer, submission, "double-click-key")["id"])
        except Exception as exc:  # noqa: BLE001 - the test reports every failure
            failures.append(repr(exc))

    threads = [threading.Thread(target=submit_once) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(results) == 20 and len(set(results)) == 1
    assert _count_referrals(client, auth) == 1


# -- reading, answering, withdrawing -------------------------------------------------------------------


def test_a_referrer_cannot_read_another_referrers_referral(client, auth):
    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    other = auth(email="alex.referrer@council.example")
    assert client.http.get(f"/v1/referrals/{referral_id}", headers=other).status_code == 403
    assert client.http.get("/v1/referrals", headers=other).json_body["referrals"] == []
    assert client.http.post(f"/v1/referrals/{referral_id}/withdraw", headers=other).status_code == 403


def test_supervisor_lists_all_and_filters_by_status(client, auth):
    submit_referral(client, auth("referrer"), example_referral())
    submit_referral(client, auth(email="alex.referrer@council.example"), example_referral())
    listed = client.http.get("/v1/referrals", headers=auth("supervisor")).json_body["referrals"]
    assert len(listed) == 2
    accepted = client.http.get("/v1/referrals?status=ACCEPTED", headers=auth("supervisor")).json_body["referrals"]
    assert accepted == []


def test_a_referral_whose_status_changes_while_the_list_is_read_is_listed_once_as_it_is_now(client, auth, monkeypatch):
    from chalicelib.storage import referrals as store
    from tests.helpers import api_referral_status, wait_for

    supervisor = auth("supervisor")
    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    wait_for(lambda: api_referral_status(client, supervisor, referral_id) == "UNDER_REVIEW", what="the review")
    # GIVEN the query for SUBMITTED read the referral before its review began, the next one after
    before = store.referral(referral_id)
    before.status, before.history = "SUBMITTED", before.history[:-1]
    in_status = store.in_status
    monkeypatch.setattr(
        store,
        "in_status",
        lambda status, **kw: ([before] if status == "SUBMITTED" else []) + list(in_status(status, **kw)),
    )
    # WHEN the supervisor lists every referral
    listed = client.http.get("/v1/referrals", headers=supervisor).json_body["referrals"]
    # THEN it is there once, as it is now
    assert [(r["id"], r["status"]) for r in listed] == [(referral_id, "UNDER_REVIEW")]


def test_unknown_status_filter_is_400(client, auth):
    response = client.http.get("/v1/referrals?status=PENDING", headers=auth("supervisor"))
    assert response.status_code == 400
    assert "status" in response.json_body["error"]["message"]


def test_unknown_referral_is_404(client, auth):
    assert client.http.get("/v1/referrals/nope", headers=auth("supervisor")).status_code == 404


def test_answer_when_no_question_was_asked_is_409_and_changes_nothing(client, auth):
    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    response = client.http.post(
        f"/v1/referrals/{referral_id}/amendments", headers=auth("referrer"), body=json.dumps({"answer": "Here it is"})
    )
    assert response.status_code == 409
    assert client.http.get(f"/v1/referrals/{referral_id}", headers=auth("referrer")).json_body["questions"] == []


def test_empty_answer_is_422_on_the_answer_field(client, auth):
    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    response = client.http.post(
        f"/v1/referrals/{referral_id}/amendments", headers=auth("referrer"), body=json.dumps({"answer": ""})
    )
    assert response.status_code == 422
    assert "answer" in _errors(response)


def test_withdrawing_twice_is_409_the_second_time(client, auth):
    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    assert client.http.post(f"/v1/referrals/{referral_id}/withdraw", headers=auth("referrer")).status_code == 200
    again = client.http.post(f"/v1/referrals/{referral_id}/withdraw", headers=auth("referrer"))
    assert again.status_code == 409
    assert "withdrawn" in again.json_body["error"]["message"]
