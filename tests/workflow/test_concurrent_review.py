"""Races around a waiting review, made deterministic: one side is held at the exact point between
its read and its write while the other side acts, then released.

- An approval link issued just after the referral was withdrawn must not be created.
- Two decisions on one item (link and app, app and app) at once: one wins, the other gets a 409
  naming who decided, and the workflow resumes once.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest

from chalicelib.domain.people import person_label
from tests.dates import example_referral
from tests.helpers import approval_path, emails_to, post_form, shown_as, submit_referral, wait_for, wait_for_email
from tests.workflow.conftest import states_entered, wait_for_execution

SUPERVISOR = "supervisor@familycontact.example"
ADMIN = "admin@familycontact.example"
REFERRER = "sam.referrer@council.example"


@pytest.fixture
def referrer(auth):
    return auth("referrer", REFERRER)


@pytest.fixture
def hold(monkeypatch):
    """`hold(module, "name")`: the next call of that function waits at its start (`.reached` is set)
    until `.release()`, then runs as written."""
    gates: list[threading.Event] = []

    def make(module, name: str):
        original = getattr(module, name)
        reached, release = threading.Event(), threading.Event()
        gates.append(release)

        def held(*args, **kwargs):
            if not reached.is_set():
                reached.set()
                release.wait(30)
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, held)
        return SimpleNamespace(reached=reached, release=release.set)

    yield make
    for release in gates:  # never leave an execution thread waiting on a failed test
        release.set()


def _links(referral_id: str) -> list:
    from chalicelib.storage.approval_links import ApprovalLink, subject_key

    return list(ApprovalLink.by_subject.query(subject_key("referral", referral_id)))


def test_link_is_not_created_for_a_referral_withdrawn_while_the_ask_step_ran(client, runtime, referrer, hold):
    from chalicelib.services import approvals

    # GIVEN the ask step has read the referral (and started its review) and is about to write the link
    gate = hold(approvals, "issue")
    response = submit_referral(client, referrer, example_referral())
    referral_id = response.json_body["id"]
    assert gate.reached.wait(15), "the ask step never reached the link"
    # WHEN the referrer withdraws in that instant (no link exists yet to retire)
    withdrawn = client.http.post(f"/v1/referrals/{referral_id}/withdraw", headers=referrer)
    assert withdrawn.status_code == 200, withdrawn.body
    gate.release()
    # THEN no link was written, no approval email went out, and the review closed cleanly
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert _links(referral_id) == []
    assert not [m for m in emails_to(runtime.outbox, SUPERVISOR) if "/approve/" in m["text"]]
    assert states_entered(runtime, referral_id)[-2:] == ["RouteDecision", "ReviewClosed"]
    status = client.http.get(f"/v1/referrals/{referral_id}", headers=referrer).json_body["status"]
    assert status == "WITHDRAWN"


def test_link_issue_checks_the_subject_in_its_own_transaction(runtime, referrer, client):
    """Not a read-then-check: the link and the subject's status are one TransactWriteItems."""
    from chalicelib.errors import Conflict
    from chalicelib.services import approvals
    from chalicelib.services.referral_review import SUBJECT

    response = submit_referral(client, referrer, example_referral())
    referral_id = response.json_body["id"]
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    client.http.post(f"/v1/referrals/{referral_id}/withdraw", headers=referrer)
    before = _links(referral_id)
    with pytest.raises(Conflict):
        approvals.issue(
            SUBJECT,
            subject_id=referral_id,
            case_id=referral_id,
            approver_email=SUPERVISOR,
            task_token="token-of-a-wait",
            summary={},
            purpose="review",
        )
    assert len(_links(referral_id)) == len(before)


# -- two decisions at once ------------------------------------------------------------------------


def _waiting_referral(client, runtime, referrer) -> tuple[str, str]:
    """A referral whose review waits for a decision: its own live link is saved (the wait's token
    with it) and the email carrying that link has gone out. Returns its id and that link's path."""
    response = submit_referral(client, referrer, example_referral())
    assert response.status_code == 201, response.body
    referral_id = response.json_body["id"]
    live = wait_for(lambda: [link for link in _links(referral_id) if link.state == "ACTIVE"], what="a live link")
    path = wait_for(lambda: _emailed_path(runtime, live[0].link_hash), what="the email with this referral's link")
    return referral_id, path


def _emailed_path(runtime, link_hash: str) -> str | None:
    from chalicelib.services.approvals import hash_link

    for message in emails_to(runtime.outbox, SUPERVISOR, "needs your decision"):
        path = approval_path(message)
        if hash_link(path.rsplit("/", 1)[-1]) == link_hash:
            return path
    return None


def _resumes(monkeypatch) -> list[str]:
    from chalicelib.workflows import executions

    resumed: list[str] = []
    original = executions.resume

    def counting(token, output):
        answered = original(token, output)
        if answered:
            resumed.append(output.get("decision"))
        return answered

    monkeypatch.setattr(executions, "resume", counting)
    return resumed


def test_link_decision_racing_an_app_decision_one_wins_and_the_workflow_resumes_once(
    client, runtime, referrer, auth, hold, monkeypatch
):
    from chalicelib.services import approvals, decisions

    referral_id, link = _waiting_referral(client, runtime, referrer)
    resumed = _resumes(monkeypatch)
    # GIVEN the emailed link's POST has read the live link and is about to write its decision
    # (called at the service level: the in-process app keeps one current request, so two HTTP
    # calls from two threads would share it)
    gate = hold(approvals, "_consume")
    link_answer: dict = {}
    link_id = link.rsplit("/", 1)[-1]
    worker = threading.Thread(
        target=lambda: link_answer.update(page=decisions.decide_link(link_id, None, "decline", "No capacity", True))
    )
    worker.start()
    assert gate.reached.wait(15)
    # WHEN the admin decides in the app in that instant (the hold only delays the first caller)
    app = client.http.post(
        f"/v1/referrals/{referral_id}/decision", headers=auth("admin"), body='{"decision": "accept"}'
    )
    gate.release()
    worker.join(15)
    # THEN the app decision won, the link's POST says who decided, and the workflow resumed once
    assert app.status_code == 200, app.body
    loser = link_answer["page"]
    assert loser.status_code == 409, loser.state
    assert loser.outcome["decided_by"] == shown_as(ADMIN)
    shown = post_form(client, link, {"decision": "decline", "comment": "No capacity", "confirmed": "yes"})
    assert shown.status_code == 409
    assert shown_as(ADMIN).encode() in shown.body
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert resumed == ["accept"]
    assert states_entered(runtime, referral_id).count("NotifyReferrerOfDecision") == 1
    wait_for(lambda: emails_to(runtime.outbox, REFERRER, "accepted"), what="one decision email")
    assert len(emails_to(runtime.outbox, REFERRER, "accepted")) == 1
    assert emails_to(runtime.outbox, REFERRER, "declined") == []


def test_two_app_decisions_in_threads_exactly_one_wins(client, runtime, referrer, auth, monkeypatch):
    from chalicelib.auth import verify_token
    from chalicelib.errors import Conflict
    from chalicelib.services import decisions
    from local.tokens import resolve_user, token_for

    referral_id, _ = _waiting_referral(client, runtime, referrer)
    resumed = _resumes(monkeypatch)
    people = [
        verify_token(token_for(resolve_user("supervisor", None))),
        verify_token(token_for(resolve_user("admin", None))),
    ]
    start = threading.Barrier(2)
    outcomes: list = []

    def decide(principal, decision):
        start.wait(5)
        try:
            outcomes.append(decisions.decide_in_app("referral", referral_id, principal, decision, "Reason given"))
        except Conflict as exc:
            outcomes.append(exc)

    # WHEN two people decide at the same moment, at the service level (moto is thread-safe here)
    threads = [
        threading.Thread(target=decide, args=(people[0], "accept")),
        threading.Thread(target=decide, args=(people[1], "decline")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    # THEN one decision is recorded, the other is a 409 naming who decided
    won = [o for o in outcomes if isinstance(o, dict)]
    lost = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert won[0]["decided_by"] in lost[0].message
    assert "already decided" in lost[0].message
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert len(resumed) == 1
    referral = client.http.get(f"/v1/referrals/{referral_id}", headers=auth("admin")).json_body
    decided = [e for e in _audit(client, auth, referral_id) if e["action"] == "referral.decided"]
    assert len(decided) == 1
    decided = referral["decision"]
    assert (
        person_label(decided["decided_by"], decided["decided_by_name"], decided["decided_by_role"])
        == won[0]["decided_by"]
    )


def test_app_decision_made_while_another_decision_is_being_written_names_the_winner(
    client, runtime, referrer, auth, monkeypatch
):
    """The winner's one transaction has used the link but not yet changed the referral: a decision
    read in that instant must not find the review "still starting"."""
    from moto.dynamodb.models import DynamoDBBackend

    from chalicelib.auth import verify_token
    from chalicelib.errors import Conflict
    from chalicelib.services import decisions
    from chalicelib.storage.referrals import Referral
    from local.tokens import resolve_user, token_for

    referral_id, _ = _waiting_referral(client, runtime, referrer)
    supervisor, admin = (verify_token(token_for(resolve_user(role, None))) for role in ("supervisor", "admin"))
    # GIVEN the supervisor's decision is inside its transaction: the link is used, the referral not yet changed
    reached, release = threading.Event(), threading.Event()
    write = DynamoDBBackend.update_item

    def held(self, table_name, *args, **kwargs):
        if table_name == Referral.Meta.table_name and not reached.is_set():
            reached.set()
            release.wait(30)
        return write(self, table_name, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "update_item", held)
    answers: dict = {}

    def decide(name, principal, decision):
        try:
            answers[name] = decisions.decide_in_app("referral", referral_id, principal, decision, "Reason given")
        except Conflict as exc:
            answers[name] = exc

    first = threading.Thread(target=decide, args=("supervisor", supervisor, "accept"))
    first.start()
    try:
        assert reached.wait(15), "the supervisor's decision never reached its write"
        # WHEN the admin decides in that instant (given the time to read whatever it can read)
        second = threading.Thread(target=decide, args=("admin", admin, "decline"))
        second.start()
        second.join(1)
    finally:
        release.set()
    first.join(15)
    second.join(15)
    # THEN the supervisor's decision stands and the admin is told who decided, not to try again later
    assert answers["supervisor"]["decided_by"] == shown_as(SUPERVISOR), answers
    assert isinstance(answers["admin"], Conflict), answers
    assert f"already decided by {shown_as(SUPERVISOR)}" in answers["admin"].message
    wait_for_execution(runtime, referral_id, "SUCCEEDED")


def _audit(client, auth, referral_id: str) -> list[dict]:
    return client.http.get(f"/v1/audit?entity=referral&id={referral_id}", headers=auth("admin")).json_body["events"]


def test_report_decided_in_the_app_while_its_link_is_being_used_one_wins(client, runtime, auth, hold, monkeypatch):
    from chalicelib.services import approvals, decisions
    from tests.report_helpers import book_visit, write_and_submit

    visit_id = book_visit(client, auth)
    write_and_submit(client, auth, visit_id)
    request = wait_for_email(runtime.outbox, SUPERVISOR, "A visit report needs your approval")
    link_id = approval_path(request).rsplit("/", 1)[-1]
    resumed = _resumes(monkeypatch)
    # GIVEN the link's POST (the supervisor, asking for changes) is between its read and its write
    gate = hold(approvals, "_consume")
    answer: dict = {}
    worker = threading.Thread(
        target=lambda: answer.update(page=decisions.decide_link(link_id, None, "request_changes", "Add quotes", True))
    )
    worker.start()
    assert gate.reached.wait(15)
    # WHEN the admin approves on the report's page in that instant
    app = client.http.post(
        f"/v1/visits/{visit_id}/report/decision", headers=auth("admin"), body='{"decision": "approve"}'
    )
    gate.release()
    worker.join(15)
    # THEN the approval stands, the link's POST is told who decided, and the workflow resumed once
    assert app.status_code == 200, app.body
    assert app.json_body["status"] == "APPROVED"
    assert answer["page"].status_code == 409
    assert answer["page"].outcome["decided_by"] == shown_as(ADMIN)
    wait_for(lambda: _report_execution_status(runtime, visit_id) == "SUCCEEDED", 20, what="the review ends")
    assert resumed == ["approve"]
    # AND a second app decision is a 409 naming who decided
    again = client.http.post(
        f"/v1/visits/{visit_id}/report/decision",
        headers=auth("supervisor"),
        body='{"decision": "request_changes", "comment": "More detail"}',
    )
    assert again.status_code == 409
    assert shown_as(ADMIN) in again.json_body["error"]["message"]


def _report_execution_status(runtime, visit_id: str) -> str:
    import boto3

    from tests.workflow.conftest import execution_arn

    arn = execution_arn(runtime, visit_id, 1, "report_review")
    return boto3.client("stepfunctions").describe_execution(executionArn=arn)["status"]


def test_two_links_of_one_referral_used_at_once_one_decides(client, runtime, referrer, hold, monkeypatch):
    from chalicelib.services import approvals, decisions
    from chalicelib.services.referral_review import SUBJECT

    referral_id, supervisor_path = _waiting_referral(client, runtime, referrer)
    # GIVEN a second live link for the same wait, as an escalation gives the admin
    wait = _links(referral_id)[0]
    admin_link = approvals.issue(
        SUBJECT,
        subject_id=referral_id,
        case_id=referral_id,
        approver_email="admin@familycontact.example",
        task_token=wait.task_token,
        summary=wait.summary,
        purpose="escalation",
        retire_others=False,
    )
    resumed = _resumes(monkeypatch)
    # AND the supervisor's POST is between its read and its write
    gate = hold(approvals, "_consume")
    answer: dict = {}
    supervisor_link = supervisor_path.rsplit("/", 1)[-1]
    worker = threading.Thread(
        target=lambda: answer.update(page=decisions.decide_link(supervisor_link, None, "accept", None, True))
    )
    worker.start()
    assert gate.reached.wait(15)
    # WHEN the admin's link is used in that instant
    admin = post_form(
        client, f"/approve/{admin_link}", {"decision": "decline", "comment": "Out of area", "confirmed": "yes"}
    )
    gate.release()
    worker.join(15)
    # THEN the admin's decision stands; the supervisor is told who decided; the workflow resumed once
    assert admin.status_code == 200, admin.body
    assert answer["page"].status_code == 409
    assert answer["page"].outcome["decided_by"] == "admin@familycontact.example"
    wait_for_execution(runtime, referral_id, "SUCCEEDED")
    assert resumed == ["decline"]
    assert client.http.get(f"/v1/referrals/{referral_id}", headers=referrer).json_body["status"] == "DECLINED"
