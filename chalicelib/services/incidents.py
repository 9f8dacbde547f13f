"""Incidents at visits: recording one (which starts its review), and reading them: one incident as
its reader may see it, a visit's and a case's incidents.

The review itself (alerts, the supervisor's decision, the referrer's emails) is
`services.incident_review`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.date_words import day_of
from chalicelib.domain.incidents import (
    Decision,
    IncidentReport,
    IncidentStatus,
    occurred_refusal,
    recording_refusal,
)
from chalicelib.domain.local_time import from_iso, to_local
from chalicelib.domain.visits import VisitStatus
from chalicelib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.services import figures, outputs, review, visit_access
from chalicelib.services.audit import audited_transaction
from chalicelib.storage import incidents as store
from chalicelib.workflows.registry import INCIDENT_REVIEW

if TYPE_CHECKING:
    from chalicelib.storage.incidents import Incident

ENTITY = "incident"  # an incident's name in the audit log
STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})
RECORDERS = frozenset({Role.SUPERVISOR})  # besides the visit's own worker
MAX_KEY_LENGTH = 200


def load(incident_id: str, *, consistent: bool = True) -> Incident:
    incident = store.get_incident(incident_id, consistent=consistent)
    if incident is None:
        raise NotFound("No incident with that id.")
    return incident


def incident_id_for(principal: Principal, visit_id: str, key: str | None) -> str:
    """A new id, or, with an Idempotency-Key, the one id that key names for this person and visit:
    the same request sent twice meets its first write (a conditional put) and records nothing new."""
    if not key:
        return uuid.uuid4().hex
    if len(key) > MAX_KEY_LENGTH:
        from chalicelib.errors import BadRequest

        raise BadRequest(f"The Idempotency-Key header is longer than {MAX_KEY_LENGTH} characters.")
    return hashlib.sha256(f"{principal.email}\n{visit_id}\n{key}".encode()).hexdigest()[:32]


def record(principal: Principal, visit_id: str, report: IncidentReport, key: str | None = None) -> outputs.Incident:
    """Record an incident at a visit (its worker or a supervisor; from the visit's start to 24 hours
    after its end; not on a cancelled visit), with its audit event in one transaction, then start
    its review. A repeated request with the same key answers the first incident and writes nothing."""
    visit = visit_access.load(visit_id)
    if not principal.has_any(RECORDERS) and visit_access.worker_id_of(principal) != visit.worker_id:
        raise Forbidden("Only the visit's worker or a supervisor may record an incident at it.")
    incident_id = incident_id_for(principal, visit_id, key)
    earlier = store.get_incident(incident_id) if key else None
    if earlier is not None:
        return view_for(principal, earlier)
    if visit.status == VisitStatus.CANCELLED:
        raise Conflict("This visit was cancelled, so no incident can be recorded at it.")
    start, end = from_iso(visit.starts_at), from_iso(visit.ends_at)
    refusal = recording_refusal(clock.now(), start, end)
    if refusal:
        raise Conflict(refusal)
    wrong_time = occurred_refusal(report.occurred_local, _naive_local(start), _naive_local(end))
    if wrong_time:
        raise ValidationFailed("Check when it happened.", fields=[{"path": "occurred_at", "message": wrong_time}])
    referral = _referral_of(visit.referral_id)
    now = clock.iso_now()
    person = principal.person
    incident = store.new_incident(
        incident_id,
        referral_id=visit.referral_id,
        visit_id=visit.visit_id,
        referrer_id=referral.referrer_id,
        referrer_email=referral.referrer_email,
        children=_children_at(visit, referral),
        visit_starts_at=visit.starts_at,
        occurred_at=report.occurred_at,
        summary=report.what_happened,
        present=report.present,
        ended_early=report.ended_early,
        ended_early_reason=report.ended_early_reason if report.ended_early else None,
        told_police=report.told_police,
        told_duty_social_worker=report.told_duty_social_worker,
        told_others=report.told_others,
        immediate_actions=report.immediate_actions,
        critical=report.critical,
        recorded_at=now,
        recorded_by=person.email,
        recorded_by_name=person.name,
        recorded_by_role=person.role,
        status=IncidentStatus.REPORTED.value,
        workflow_runs=1,
        updated_at=now,
    )
    try:
        with audited_transaction(person, "This incident was already recorded.") as tx:
            store.add_incident(tx, incident)
            figures.count_incident_recorded(tx, now)
            tx.record(
                ENTITY,
                incident_id,
                "incident.recorded",
                {"visit_id": visit.visit_id, "referral_id": visit.referral_id, "critical": report.critical},
                case_id=visit.referral_id,
            )
    except Conflict:
        # The same key's first request won the race: answer what it recorded.
        return view_for(principal, load(incident_id))
    review.start(INCIDENT_REVIEW, incident_id, 1)
    return view_for(principal, incident)


def _naive_local(moment: datetime) -> datetime:
    return to_local(moment).replace(tzinfo=None)


def _referral_of(referral_id: str):
    from chalicelib.services.referral_status import load as load_referral

    return load_referral(referral_id)


def _children_at(visit, referral) -> str:
    children = (referral.submission or {}).get("children", [])
    chosen = (visit.participants or {}).get("children", range(len(children)))
    names = [children[i].get("first_name", "") for i in chosen if i < len(children)]
    return ", ".join(name for name in names if name)


# -- reading -----------------------------------------------------------------------------------


def readable(principal: Principal, incident_id: str) -> outputs.Incident:
    """Staff read every incident; a worker the incidents of their own visits; the referral's
    referrer only a decided one, without its details."""
    incident = load(incident_id)
    if principal.has_any(STAFF):
        return view_for(principal, incident)
    if Role.WORKER in principal.roles and _is_visit_worker(principal, incident):
        return view_for(principal, incident)
    if Role.REFERRER in principal.roles and principal.user_id == incident.referrer_id:
        if incident.status != IncidentStatus.DECIDED:
            raise Forbidden("The incident is being reviewed; you will be emailed the decision.")
        return referrer_view(incident)
    raise Forbidden("You may not read this incident.")


def _is_visit_worker(principal: Principal, incident: Incident) -> bool:
    visit = visit_access.load(incident.visit_id)
    return visit_access.worker_id_of(principal) == visit.worker_id or principal.email == incident.recorded_by


def view_for(principal: Principal, incident: Incident) -> outputs.Incident:
    """The whole incident, for staff and the visit's worker."""
    return as_record(incident)


def as_record(incident: Incident) -> outputs.Incident:
    """An incident as every reader on the staff side sees it (the contract other parts read)."""
    return {
        "incident_id": incident.incident_id,
        "referral_id": incident.referral_id,
        "visit_id": incident.visit_id,
        "visit_day": day_of(incident.visit_starts_at),
        "occurred_at": incident.occurred_at,
        "recorded_at": incident.recorded_at,
        "recorded_by": incident.recorded_by,
        "recorded_by_name": incident.recorded_by_name,
        "critical": bool(incident.critical),
        "summary": incident.summary,
        "present": incident.present,
        "ended_early": bool(incident.ended_early),
        "ended_early_reason": incident.ended_early_reason,
        "told": {
            "police": bool(incident.told_police),
            "duty_social_worker": bool(incident.told_duty_social_worker),
            "others": incident.told_others,
        },
        "immediate_actions": incident.immediate_actions,
        "status": incident.status,
        "decision": incident.decision,
        "decision_label": Decision(incident.decision).label if incident.decision else None,
        "decision_detail": incident.decision_detail,
        "decided_by": incident.decided_by,
        "decided_by_name": incident.decided_by_name,
        "decided_at": incident.decided_at,
    }


def referrer_view(incident: Incident) -> outputs.Incident:
    """What the referrer may read once it is decided: the visit's date and the decision (with what
    changes in the conditions); never what happened, who was there or a suspension's reason, which
    may name the family's words and other people."""
    decision = Decision(incident.decision) if incident.decision else None
    shown = {"incident_id", "referral_id", "visit_id", "visit_day", "status", "decision", "decision_label"}
    record = {key: (value if key in shown else None) for key, value in as_record(incident).items()}
    return {
        **record,
        "told": None,
        "critical": None,
        "ended_early": None,
        "decision_detail": incident.decision_detail if decision is Decision.CHANGE_CONDITIONS else None,
        "decided_at": incident.decided_at,
    }


def incidents_of_case(referral_id: str) -> list[dict]:
    """A case's incidents in the order they happened (staff records)."""
    return [as_record(incident) for incident in store.of_referral(referral_id)]


def incidents_of_case_for(principal: Principal, referral_id: str) -> list[dict]:
    """A case's incidents as `principal` may read them: whole for staff; for the referrer only the
    decided ones, as `referrer_view` gives them (the visit's day and the decision, no detail)."""
    incidents = store.of_referral(referral_id)
    if principal.has_any(STAFF):
        return [as_record(incident) for incident in incidents]
    return [referrer_view(i) for i in incidents if i.status == IncidentStatus.DECIDED.value]


def incidents_of_visit(visit_id: str) -> list[dict]:
    return [as_record(incident) for incident in store.of_visit(visit_id)]


def shown_beside_visit(principal: Principal | None, visit_id: str) -> list[dict]:
    """The visit's incidents as its page and its report's page show them: to staff and workers
    (the pages already limit workers to their own visits); none to anyone else."""
    if principal is None or not principal.has_any(STAFF | {Role.WORKER}):
        return []
    return incidents_of_visit(visit_id)
