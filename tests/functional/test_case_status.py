"""A case's status after acceptance: suspend, resume and close it, with its upcoming visits cancelled
in the status change's transaction (in bounded chunks beyond what one holds), the emails, the
closing letter, and the referrer's request to end a case."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta

import pytest

from tests.aws_calls import calls_made
from tests.helpers import SUPERVISOR, emails_to
from tests.visit_helpers import CASEY, REFERRER_EMAIL, ROBIN, add_referral, add_worker, referral_status

VENUE = "Northshire Family Centre, Room 2"


def add_visit(referral_id: str, worker_id: str, days_from_now: int, *, status: str = "SCHEDULED") -> str:
    """A visit written as booking leaves it, `days_from_now` days from now (negative: in the past)."""
    from chalicelib import clock
    from chalicelib.domain.local_time import iso_utc
    from chalicelib.storage.visits import new_visit

    starts = clock.now() + timedelta(days=days_from_now)
    visit = new_visit(
        uuid.uuid4().hex,
        starts_at=iso_utc(starts),
        ends_at=iso_utc(starts + timedelta(minutes=90)),
        referral_id=referral_id,
        referrer_id="u-referrer-1",
        worker_id=worker_id,
        zone="Europe/London",
        venue=VENUE,
        participants={"children": [0], "family_members": [0], "labels": ["Maya", "Mother"]},
        status=status,
        created_at=clock.iso_now(),
        created_by=SUPERVISOR,
        updated_at=clock.iso_now(),
    )
    visit.save()
    return visit.visit_id


def statuses(referral_id: str) -> dict[str, str]:
    from tests.visit_helpers import visits_of

    return {v.visit_id: v.status for v in visits_of(referral_id)}


def audit_actions(entity: str, entity_id: str) -> list[str]:
    from chalicelib.services.audit import history

    return [event["action"] for event in history(entity, entity_id)]


@pytest.fixture
def case(runtime):
    """An active case with Casey's two past visits (one reported) and three upcoming (two Casey's,
    one Robin's), and one upcoming visit already cancelled."""
    casey, robin = add_worker("Casey Evans", CASEY), add_worker("Robin Hale", ROBIN)
    referral_id = add_referral("ACTIVE")
    visits = {
        "past": add_visit(referral_id, casey, -14),
        "reported": add_visit(referral_id, casey, -7, status="REPORTED"),
        "next": add_visit(referral_id, casey, 3),
        "later": add_visit(referral_id, casey, 10),
        "robins": add_visit(referral_id, robin, 5),
        "cancelled": add_visit(referral_id, robin, 6, status="CANCELLED"),
    }
    runtime.outbox.clear()
    return referral_id, visits


def post(client, auth, path: str, body: dict, role: str = "supervisor"):
    return client.http.post(path, headers=auth(role), body=json.dumps(body))


# -- contract 2: the suspension inside the caller's transaction -----------------------------------


def test_add_suspension_writes_status_and_cancellations_in_the_callers_one_transaction(case, runtime):
    from chalicelib.domain.people import Person
    from chalicelib.services.audit import audited_transaction
    from chalicelib.services.case_status import add_suspension
    from chalicelib.storage.referrals import referral

    referral_id, visits = case
    person = Person(SUPERVISOR, "Priya Shah", "supervisor")
    with calls_made() as calls:
        with audited_transaction(person) as tx:
            finish = add_suspension(tx, referral(referral_id, consistent=True), reason="Police inquiry", actor=person)
    assert calls.count("dynamodb:TransactWriteItems") == 1
    assert referral_status(referral_id) == "SUSPENDED"
    after = statuses(referral_id)
    assert {k for k, v in visits.items() if after[v] == "CANCELLED"} == {"next", "later", "robins", "cancelled"}
    assert after[visits["past"]] == "SCHEDULED" and after[visits["reported"]] == "REPORTED"
    assert "referral.suspended" in audit_actions("referral", referral_id)
    assert audit_actions("visit", visits["next"]) == ["visit.cancelled"]
    assert audit_actions("visit", visits["past"]) == []
    stored = referral(referral_id, consistent=True)
    assert stored.history[-1].to_status == "SUSPENDED" and stored.history[-1].reason == "Police inquiry"

    assert emails_to(runtime.outbox, CASEY) == []  # nothing is sent before the caller's commit
    finish()
    casey_mail = emails_to(runtime.outbox, CASEY)
    assert len(casey_mail) == 1 and casey_mail[0]["subject"].startswith("2 visits cancelled")
    assert len(emails_to(runtime.outbox, ROBIN, "Visit cancelled")) == 1
    referrer = emails_to(runtime.outbox, REFERRER_EMAIL, "Case suspended")
    assert len(referrer) == 1 and "Police inquiry" in referrer[0]["text"]
    assert "3 upcoming visits were cancelled" in referrer[0]["text"]


def test_add_suspension_refuses_a_case_that_is_not_accepted_or_active(runtime):
    from chalicelib.errors import Conflict
    from chalicelib.services.audit import audited_transaction
    from chalicelib.services.case_status import add_suspension
    from chalicelib.storage.referrals import referral

    referral_id = add_referral("CLOSED")
    with pytest.raises(Conflict, match="closed"):
        with audited_transaction(SUPERVISOR) as tx:
            add_suspension(tx, referral(referral_id), reason="x", actor=SUPERVISOR)
    assert referral_status(referral_id) == "CLOSED"


def test_a_case_with_more_visits_than_one_transaction_is_finished_in_chunks_and_resumes_after_an_interruption(
    runtime, monkeypatch
):
    from chalicelib.services import case_status
    from chalicelib.storage.referrals import owing_cancellations, referral

    worker = add_worker("Casey Evans", CASEY)
    referral_id = add_referral("ACTIVE")
    upcoming = [add_visit(referral_id, worker, day) for day in range(1, 131)]
    real = case_status.audited_transaction
    opened = []

    def failing_third(*args, **kwargs):
        opened.append(1)
        if len(opened) == 3:  # the status change, one chunk, then the interruption
            raise RuntimeError("the function ran out of time")
        return real(*args, **kwargs)

    monkeypatch.setattr(case_status, "audited_transaction", failing_third)
    with pytest.raises(RuntimeError):
        case_status.suspend_case(_principal(), referral_id, _suspension("Family moved away for now"))
    monkeypatch.setattr(case_status, "audited_transaction", real)

    after = statuses(referral_id)
    done = [v for v in upcoming if after[v] == "CANCELLED"]
    assert len(done) == case_status.FIRST_VISITS + case_status.CHUNK_VISITS  # 40 + 49 of 130
    assert referral(referral_id, consistent=True).cancellations_owed == "owed"
    assert owing_cancellations() == [referral_id]

    with calls_made() as calls:
        summary = case_status.finish_all_owed()  # what the recovery sweep runs
    assert summary == {"cases": 1, "visits": 130 - len(done), "failed": 0}
    assert calls.count("dynamodb:TransactWriteItems") == 1  # 41 left: one chunk, the marker cleared with it
    assert set(statuses(referral_id).values()) == {"CANCELLED"}
    assert referral(referral_id, consistent=True).cancellations_owed is None
    assert owing_cancellations() == []
    events = sum(audit_actions("visit", v) == ["visit.cancelled"] for v in upcoming)
    assert events == 130  # each visit cancelled once, with its event


def _principal():
    from chalicelib.auth import Principal, Role

    return Principal("u-supervisor-1", SUPERVISOR, "Priya Shah", frozenset({Role.SUPERVISOR}))


def _suspension(reason: str, resume_on=None):
    from chalicelib.domain.case_status import Suspension

    return Suspension(reason=reason, resume_on=resume_on)


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
