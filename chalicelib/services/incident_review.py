"""The incident as a reviewed item: what the review machinery needs of it, and the steps only the
incident_review workflow has (alerting the duty supervisor of a critical incident, telling the
referrer at once, timing the waits in working days, telling the referrer the decision).

The shared steps (ask, remind, escalate, overdue, failure) live in `services.review`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib import clock
from chalicelib.config import settings
from chalicelib.domain.date_words import day_of
from chalicelib.domain.incidents import Decision, IncidentDecision, IncidentStatus
from chalicelib.domain.people import Person
from chalicelib.domain.referral_reference import human_reference
from chalicelib.domain.working_days import calendar_seconds
from chalicelib.errors import Conflict
from chalicelib.services import approvals, email, figures, review
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.services.incidents import as_record, load
from chalicelib.services.review import Described, NothingToDecide, decider_label
from chalicelib.storage import incidents as store
from chalicelib.workflows.registry import INCIDENT_REVIEW

if TYPE_CHECKING:
    from chalicelib.storage.incidents import Incident

KIND = INCIDENT_REVIEW.subject_kind
# The registry's timings of this workflow are working time: each wait is turned into calendar
# time from the moment it starts (see `schedule_waits`).
WORKING_TIME = ("reminder_seconds", "decision_timeout_seconds", "escalation_timeout_seconds", "answer_timeout_seconds")


def incident_url(incident_id: str) -> str:
    return f"{settings().public_base_url}/incidents/{incident_id}"


def case_of(incident: Incident) -> dict[str, str]:
    """The case as emails name it: the reference, the children's first names, the visit's day."""
    return {
        "reference": human_reference(incident.referral_id),
        "children": incident.children,
        "day": day_of(incident.visit_starts_at),
    }


class IncidentSubject:
    kind = KIND
    workflow = INCIDENT_REVIEW
    decision_labels = {
        Decision.CONTINUE.value: "Continue contact with no change",
        Decision.CHANGE_CONDITIONS.value: "Change the conditions of contact",
        Decision.SUSPEND.value: "Suspend the case",
    }
    page_template = "approval_incident.html"
    labels = {
        "noun": "incident",
        "comment": "What changes, or why the case is suspended",
        "comment_hint": "needed to change the conditions (what changes) or to suspend the case (why)",
    }
    page = "/incidents/{id}"
    email_templates = {"request": "incident_review_request"}
    author_wait = None  # a decision never goes back to the incident's author

    @cached_property
    def steps(self) -> dict:
        own = {
            "alert_if_critical": alert_if_critical,
            "tell_referrer": tell_referrer,
            "schedule_waits": schedule_waits,
            "notify_decision": notify_decision,
        }
        return review.steps(self, own)

    # -- reading ----------------------------------------------------------------------------

    def load(self, subject_id: str) -> Incident:
        return load(subject_id)

    def describe(self, incident: Incident) -> Described:
        status = IncidentStatus(incident.status)
        return Described(
            subject_id=incident.incident_id,
            reference=human_reference(incident.referral_id),
            title=f"incident at the visit of {day_of(incident.visit_starts_at)}"
            + (f" ({incident.children})" if incident.children else "")
            + (" (critical)" if incident.critical else ""),
            status=status.value,
            status_label=status.label,
            url=self.page.format(id=incident.incident_id),
            since=incident.decided_at or incident.recorded_at,
            runs=int(incident.workflow_runs or 1),
            case_id=incident.referral_id,
        )

    def summary(self, incident: Incident) -> dict:
        """What the approver reads on the link page (staff only); the email shows no details."""
        return {
            "reference": human_reference(incident.referral_id),
            "children": incident.children,
            **as_record(incident),
        }

    def waiting(self) -> Iterable[Incident]:
        return store.in_status(IncidentStatus.REPORTED.value)

    def in_status_after(self, status: str, cursor: str | None) -> Iterable[tuple[Incident, str | None]]:
        return store.in_status_after(status, cursor)

    # -- the review's own changes -----------------------------------------------------------

    def check_decision_needed(self, incident: Incident) -> None:
        if incident.status == IncidentStatus.DECIDED:
            raise NothingToDecide(incident.decision)

    def begin_review(self, incident: Incident) -> None:
        """An incident is under review from its recording: nothing to record."""

    def count_run(self, tx: Any, incident: Incident, run: int) -> None:
        store.count_workflow_run(tx, incident, run)

    def ask_author(self, incident: Incident) -> None:
        raise NotImplementedError("an incident's decision never goes back to its author")

    # -- deciding -----------------------------------------------------------------------------

    def validate(self, decision: str | None, comment: str | None) -> IncidentDecision:
        return review.decision_from(IncidentDecision, decision, comment)

    def apply(
        self, tx: Any, subject_id: str, decision: IncidentDecision, actor: Person, audit: dict, summary: dict
    ) -> Callable[[], None] | None:
        """The decision, and with `suspend` the case's suspension, in one write; the suspension's
        rest (later visits cancelled in chunks, its emails) runs once that write has committed. The
        decision is counted in it, by the recording time the link summary keeps (`recorded_at`)."""
        decided_at = clock.iso_now()
        store.decide(
            tx,
            subject_id,
            from_status=IncidentStatus.REPORTED.value,
            to_status=IncidentStatus.DECIDED.value,
            decision=decision.decision.value,
            detail=decision.comment,
            by=actor.email,
            name=actor.name,
            role=actor.role,
            at=decided_at,
        )
        figures.count_incident_decided(tx, summary.get("recorded_at"), decided_at)
        tx.record(KIND, subject_id, "incident.decided", {**audit, "decision": decision.decision.value})
        if decision.decision is not Decision.SUSPEND:
            return None
        from chalicelib.services import case_status
        from chalicelib.services.referral_status import load as load_referral

        referral = load_referral(load(subject_id).referral_id)
        return case_status.add_suspension(tx, referral, reason=decision.comment, actor=actor)

    def outcome(self, subject_id: str) -> dict:
        incident = load(subject_id)
        decided = incident.status == IncidentStatus.DECIDED
        return {
            "decided": decided,
            "settled": decided,
            "status": incident.status,
            "status_label": IncidentStatus(incident.status).label,
            "decision": incident.decision,
            "decided_by": decider_label(incident.decided_by, incident.decided_by_name, incident.decided_by_role, None),
            "decided_at": incident.decided_at,
        }

    def workflow_result(self, decision: IncidentDecision) -> dict:
        return {"decision": decision.decision.value}

    def check_still_waiting(self, tx: Any, subject_id: str) -> None:
        store.check_status(tx, subject_id, IncidentStatus.REPORTED.value)

    def wait_was_over(self, subject_id: str) -> None:
        """The decision is recorded but its wait had ended: the referrer is told now."""
        notify_decision({"subject_id": subject_id})


SUBJECT = IncidentSubject()


# -- the incident's own steps -----------------------------------------------------------------------


def alert_if_critical(event: dict) -> dict:
    """A critical incident does not wait for the review: the duty supervisor gets its details now, once."""
    incident = load(event["subject_id"])
    if not incident.critical or incident.alerted:
        return {"alerted": False}
    email.send(
        settings().duty_supervisor_email,
        "incident_critical_supervisor",
        incident=incident,
        link=incident_url(incident.incident_id),
        **case_of(incident),
    )
    with audited_transaction(SYSTEM, case_id=incident.referral_id) as tx:
        store.mark(tx, incident, "alerted")
        tx.record(KIND, incident.incident_id, "incident.critical_alerted", {})
    return {"alerted": True}


def tell_referrer(event: dict) -> dict:
    """Every incident is told to the referrer at once: the visit's day and the children's first
    names, nothing of what happened. Once: when they were told is kept and counted in the same
    write, only if no telling was recorded yet, so a retried step counts nothing twice."""
    incident = load(event["subject_id"])
    if incident.referrer_told:
        return {"sent": False}
    email.send(incident.referrer_email, "incident_recorded_referrer", invites_reply=True, **case_of(incident))
    told_at = clock.iso_now()
    try:
        with audited_transaction(SYSTEM, case_id=incident.referral_id) as tx:
            store.mark_referrer_told(tx, incident, told_at)
            figures.count_incident_told(tx, incident.recorded_at, told_at)
            tx.record(KIND, incident.incident_id, "incident.referrer_told", {})
    except Conflict:
        pass  # another run of this step recorded (and counted) the telling first
    return {"sent": True}


def schedule_waits(event: dict) -> dict:
    """The decision is due within working time: each of the workflow's timings (working time, as
    the registry gives them) becomes the calendar seconds it takes from now, so a reminder due one
    working day after Friday afternoon comes on Monday afternoon, after a bank holiday the day after."""
    working = event["working_time"]
    now = clock.now()
    timings = {
        name: calendar_seconds(now, int(value)) if name in WORKING_TIME else value for name, value in working.items()
    }
    return {"timings": timings, "reminders": int(event.get("reminders", 0))}


def notify_decision(event: dict) -> dict:
    """The referrer is told the decision (with what changes in the conditions; no details of the
    incident), once; the incident's links are retired."""
    incident = load(event["subject_id"])
    approvals.retire_active(KIND, incident.incident_id, reason="decided")
    if incident.status != IncidentStatus.DECIDED or incident.notified_decision:
        return {"sent": False}
    decision = Decision(incident.decision)
    email.send(
        incident.referrer_email,
        "incident_decision_referrer",
        decision=decision,
        conditions=incident.decision_detail if decision is Decision.CHANGE_CONDITIONS else None,
        invites_reply=True,
        **case_of(incident),
    )
    with audited_transaction(SYSTEM, case_id=incident.referral_id) as tx:
        store.mark(tx, incident, "notified_decision")
        tx.record(KIND, incident.incident_id, "incident.referrer_notified", {"decision": incident.decision})
    return {"sent": True}
