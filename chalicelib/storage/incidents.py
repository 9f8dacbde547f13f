"""Incidents recorded at visits: one item each, with the supervisor's decision on it. The only
module that knows how they are laid out."""

from __future__ import annotations

from collections.abc import Iterator

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta
from chalicelib.storage.cursors import KeyCursor, paged


class IncidentsByReferral(GlobalSecondaryIndex):
    """A case's incidents in the order they happened."""

    class Meta:
        index_name = "by_referral"
        projection = AllProjection()

    referral_id = UnicodeAttribute(hash_key=True)
    occurred_at = UnicodeAttribute(range_key=True)


class IncidentsByVisit(GlobalSecondaryIndex):
    """A visit's incidents: shown beside its report and on its page."""

    class Meta:
        index_name = "by_visit"
        projection = AllProjection()

    visit_id = UnicodeAttribute(hash_key=True)
    occurred_at = UnicodeAttribute(range_key=True)


class IncidentsByStatus(GlobalSecondaryIndex):
    """Incidents in one status, oldest recorded first: the decisions queue and the recovery sweep."""

    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    recorded_at = UnicodeAttribute(range_key=True)


class Incident(Model):
    """What happened at a visit, as recorded, and the decision on it. The details are staff-only."""

    class Meta:
        locals().update(meta("incidents"))

    incident_id = UnicodeAttribute(hash_key=True)
    referral_id = UnicodeAttribute()
    visit_id = UnicodeAttribute()
    referrer_id = UnicodeAttribute()
    referrer_email = UnicodeAttribute()
    children = UnicodeAttribute(default="")  # the first names of the children at the visit
    visit_starts_at = UnicodeAttribute()  # UTC ISO, copied from the visit
    occurred_at = UnicodeAttribute()  # UK wall-clock ISO (minutes)
    summary = UnicodeAttribute()  # what happened
    present = UnicodeAttribute()
    ended_early = BooleanAttribute(default=False)
    ended_early_reason = UnicodeAttribute(null=True)
    told_police = BooleanAttribute(default=False)
    told_duty_social_worker = BooleanAttribute(default=False)
    told_others = UnicodeAttribute(null=True)
    immediate_actions = UnicodeAttribute()
    critical = BooleanAttribute(default=False)
    recorded_at = UnicodeAttribute()
    recorded_by = UnicodeAttribute()
    recorded_by_name = UnicodeAttribute(null=True)
    recorded_by_role = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    decision = UnicodeAttribute(null=True)
    decision_detail = UnicodeAttribute(null=True)  # what changes, or why the case is suspended
    decided_by = UnicodeAttribute(null=True)
    decided_by_name = UnicodeAttribute(null=True)
    decided_by_role = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    alerted = BooleanAttribute(default=False)  # the duty supervisor was alerted of a critical one
    referrer_told = BooleanAttribute(default=False)  # the referrer was told it was recorded
    told_at = UnicodeAttribute(null=True)  # when (older incidents told before this was kept have none)
    notified_decision = BooleanAttribute(default=False)  # the referrer was told the decision
    workflow_runs = NumberAttribute(default=1)  # executions started; names are "<incident id>-<n>"
    updated_at = UnicodeAttribute()

    by_referral = IncidentsByReferral()
    by_visit = IncidentsByVisit()
    by_status = IncidentsByStatus()


def get_incident(incident_id: str, *, consistent: bool = True) -> Incident | None:
    try:
        return Incident.get(incident_id, consistent_read=consistent)
    except Incident.DoesNotExist:
        return None


def of_referral(referral_id: str) -> list[Incident]:
    return list(Incident.by_referral.query(referral_id))


def of_visit(visit_id: str) -> list[Incident]:
    return list(Incident.by_visit.query(visit_id))


def in_status(status: str) -> Iterator[Incident]:
    return Incident.by_status.query(status)


_BY_STATUS_CURSOR = KeyCursor(("incident_id", "recorded_at"))


def in_status_after(status: str, cursor: str | None) -> Iterator[tuple[Incident, str | None]]:
    """Incidents in one status, oldest recorded first, after `cursor`, each with the cursor after it."""
    return paged(Incident.by_status.query, _BY_STATUS_CURSOR, status, cursor, status=status)


# -- writes: each added to a transaction, with its audit event -----------------------------------


def new_incident(incident_id: str, **attributes) -> Incident:
    return Incident(incident_id, **attributes)


def add_incident(tx: Writes, incident: Incident) -> None:
    """Write a new incident, never over another (a repeated request names the same id)."""
    tx.save(incident, condition=Incident.incident_id.does_not_exist())


def decide(
    tx: Writes,
    incident_id: str,
    *,
    from_status: str,
    to_status: str,
    decision: str,
    detail: str | None,
    by: str,
    name: str | None,
    role: str | None,
    at: str,
) -> None:
    """Record the decision, only if the incident still waits for one."""
    tx.update(
        Incident(incident_id),
        actions=[
            Incident.status.set(to_status),
            Incident.decision.set(decision),
            Incident.decision_detail.set(detail),
            Incident.decided_by.set(by),
            Incident.decided_by_name.set(name),
            Incident.decided_by_role.set(role),
            Incident.decided_at.set(at),
            Incident.updated_at.set(at),
        ],
        condition=Incident.status == from_status,
    )


def check_status(tx: Writes, incident_id: str, status: str) -> None:
    tx.condition_check(Incident, incident_id, condition=Incident.status == status)


def count_workflow_run(tx: Writes, incident: Incident, run: int) -> None:
    tx.update(
        incident,
        actions=[Incident.workflow_runs.set(run)],
        condition=Incident.workflow_runs == incident.workflow_runs,
    )


def mark(tx: Writes, incident: Incident, flag: str) -> None:
    """Record that one of the incident's emails went out (`alerted`, `referrer_told`, `notified_decision`)."""
    tx.update(incident, actions=[getattr(Incident, flag).set(True)])


def mark_referrer_told(tx: Writes, incident: Incident, at: str) -> None:
    """Record that the referrer was told of the incident `at`, only if no telling was recorded yet
    (a retried step counts nothing twice)."""
    tx.update(
        incident,
        actions=[Incident.referrer_told.set(True), Incident.told_at.set(at)],
        condition=Incident.told_at.does_not_exist(),
    )
