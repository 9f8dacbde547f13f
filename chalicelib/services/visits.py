"""Visit use cases that change visits: book one visit or a series, reschedule, reassign, cancel, and
the at-risk flags the compliance scan raises (reads are in `visit_reads`).

Every booking checks its guards before writing anything: the referral is accepted or active, the
worker will be compliant on each date (one read of the worker), and the worker has no overlapping
visit (one Query on the by-worker index over the whole date range). A series is written in one
TransactWriteItems with its audit events, or not at all; the same transaction moves the worker's
schedule revision on, conditionally on the revision read before the overlap check, so two bookings
racing for one worker cannot both pass it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain import date_words
from chalicelib.domain.referrals import ReferralStatus
from chalicelib.domain.visits import (
    CANCELLED_BY_LABELS,
    MAX_MINUTES,
    REPEAT_LABELS,
    ZONE_NAME,
    Cancellation,
    CancelledBy,
    NewSeries,
    NewVisit,
    Participants,
    Slot,
    VisitChange,
    VisitStatus,
    check_length,
    check_within_range,
    clashes_with,
    from_iso,
    iso_utc,
    local_day_bounds,
    outside_plan,
    readable_reason,
    slot,
    status_on,
    to_local,
)
from chalicelib.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.observability import count, logger
from chalicelib.services.audit import SYSTEM, audited_transaction
from chalicelib.storage.visits import UNSENT, Visit, WorkerSchedule, month_of

ENTITY = "visit"
SERIES_ENTITY = "visit_series"
SCHEDULERS = frozenset({Role.SUPERVISOR})
BOOKABLE = (ReferralStatus.ACCEPTED.value, ReferralStatus.ACTIVE.value)
# Visits flagged at risk per transaction: each is an update and an audit event (100 items at most).
FLAG_CHUNK = 45


# -- views ---------------------------------------------------------------------------------------


def view(visit: Visit, *, now: datetime | None = None, redact: bool = False) -> dict[str, Any]:
    """A visit as the API returns it. `redact` hides the venue and times (a referrer, when the
    referral's address is confidential)."""
    now = now or clock.now()
    starts, ends = from_iso(visit.starts_at), from_iso(visit.ends_at)
    status = status_on(visit.status, starts, now)
    local_start, local_end = to_local(starts), to_local(ends)
    data: dict[str, Any] = {
        "id": visit.visit_id,
        "referral_id": visit.referral_id,
        "worker_id": visit.worker_id,
        "series_id": visit.series_id,
        "status": status.value,
        "status_label": status.label,
        "date": local_start.date().isoformat(),
        "start": local_start.isoformat(timespec="minutes"),
        "end": local_end.isoformat(timespec="minutes"),
        "starts_at": visit.starts_at,
        "ends_at": visit.ends_at,
        "zone": visit.zone,
        "venue": visit.venue,
        "participants": visit.participants or {},
        "outside_plan": bool(visit.outside_plan),
        "at_risk": bool(visit.at_risk),
        "at_risk_reason": visit.at_risk_reason,
        "confidential_address": bool(visit.confidential_address),
        "cancellation": None
        if visit.cancelled_at is None
        else {
            "by": visit.cancelled_by,
            "by_label": CANCELLED_BY_LABELS.get(CancelledBy(visit.cancelled_by), visit.cancelled_by),
            "reason": visit.cancel_reason,
            "at": visit.cancelled_at,
            "recorded_by": visit.cancelled_by_user,
        },
        "report_needed": status is VisitStatus.REPORT_DUE,
        "version": visit.version,
    }
    if redact:
        for key in ("start", "end", "starts_at", "ends_at", "venue"):
            data[key] = None
    return data


# -- who is asking -------------------------------------------------------------------------------


def worker_id_of(principal: Principal) -> str | None:
    """The worker record of a signed-in worker, mapped by their email (the by-email index)."""
    from chalicelib.services.workers import find_worker_by_email

    worker = find_worker_by_email(principal.email) if principal.email else None
    return worker.worker_id if worker else None


# -- loading -------------------------------------------------------------------------------------


def load(visit_id: str) -> Visit:
    try:
        return Visit.get(visit_id, consistent_read=True)
    except Visit.DoesNotExist:
        raise NotFound("No visit with that id.") from None


def load_referral(referral_id: str, field: str | None):
    """The referral; unknown is a 404 for a path id, a 422 at `field` for a body field."""
    from chalicelib.storage.referrals import Referral

    try:
        return Referral.get(referral_id, consistent_read=True)
    except Referral.DoesNotExist:
        if field is None:
            raise NotFound("No referral with that id.") from None
        raise ValidationFailed(
            "The referral was not found.", fields=[{"path": field, "message": "No referral with this id"}]
        ) from None


def _check_bookable(referral) -> None:
    if referral.status not in BOOKABLE:
        label = ReferralStatus(referral.status).label
        raise Conflict(
            f"Visits can be booked only for an accepted referral. This referral is {label}, so nothing was booked."
        )


def _plan(referral) -> tuple[date | None, date | None]:
    contact = (referral.submission or {}).get("contact") or {}
    as_day = lambda value: date.fromisoformat(value) if value else None  # noqa: E731
    return as_day(contact.get("start_date")), as_day(contact.get("end_date"))


def contact_plan(referral) -> dict[str, Any]:
    """The referral's contact plan, as the series form prefills it."""
    return dict((referral.submission or {}).get("contact") or {})


def _participants(referral, chosen: Participants | None, prefix: str) -> dict[str, Any]:
    """Participants checked against the referral, with the labels pages show (first names and
    relationships only: no surnames)."""
    submission = referral.submission or {}
    children = submission.get("children") or []
    members = submission.get("family_members") or []
    chosen = chosen or Participants(children=list(range(len(children))), family_members=list(range(len(members))))
    problems = [
        {
            "path": f"{prefix}.children[{n}]",
            "message": f"The referral has {len(children)} child(ren); use 0 to {len(children) - 1}",
        }
        for n, index in enumerate(chosen.children)
        if index >= len(children)
    ] + [
        {
            "path": f"{prefix}.family_members[{n}]",
            "message": f"The referral has {len(members)} family member(s); use 0 to {len(members) - 1}",
        }
        for n, index in enumerate(chosen.family_members)
        if index >= len(members)
    ]
    if problems:
        raise ValidationFailed(f"{len(problems)} field(s) need attention.", fields=problems)
    labels = [children[i].get("first_name", "") for i in chosen.children] + [
        members[i].get("relationship", "") for i in chosen.family_members
    ]
    return {"children": chosen.children, "family_members": chosen.family_members, "labels": labels}


# -- the guards ----------------------------------------------------------------------------------


@dataclass
class Problem:
    """One booking that cannot go ahead: which (index in the request), when, and why."""

    index: int
    when: str
    message: str


def _compliance(worker_id: str, days: list[date], worker_field: str) -> dict[date, tuple[bool, list[str]]]:
    """Whether the worker may work on each day. One visit asks `worker_compliant_on`; a series reads
    the worker once and applies the same rule to every date."""
    from chalicelib.services import workers

    try:
        if len(set(days)) == 1:
            return {days[0]: workers.worker_compliant_on(worker_id, days[0])}
        from chalicelib.domain.clearances import compliant_on

        certs, rules = workers.certificates(workers.load_worker(worker_id)), workers.policy()
        return {day: compliant_on(certs, rules, day) for day in set(days)}
    except NotFound:
        raise ValidationFailed(
            "The worker was not found.", fields=[{"path": worker_field, "message": "No worker with this id"}]
        ) from None


def _booked(worker_id: str, slots: list[Slot], ignore: str | None = None) -> list[tuple[str, datetime, datetime]]:
    """The worker's live visits that could overlap any of `slots`: ONE Query on the by-worker index
    from the earliest start (less the longest visit) to the latest end."""
    low = min(s.starts_at for s in slots) - timedelta(minutes=MAX_MINUTES)
    high = max(s.ends_at for s in slots)
    found = []
    for visit in Visit.by_worker.query(worker_id, Visit.starts_at.between(iso_utc(low), iso_utc(high))):
        if visit.visit_id == ignore or visit.status == VisitStatus.CANCELLED:
            continue
        found.append((visit.visit_id, from_iso(visit.starts_at), from_iso(visit.ends_at)))
    return found


def _schedule_revision(worker_id: str) -> int:
    try:
        return int(WorkerSchedule.get(worker_id, consistent_read=True).revision or 0)
    except WorkerSchedule.DoesNotExist:
        return 0


def _claim_schedule(tx: Any, worker_id: str, seen: int) -> None:
    """Move the worker's schedule revision on, only if it is still the one the overlap check saw."""
    condition = WorkerSchedule.revision == seen
    if seen == 0:
        condition = WorkerSchedule.worker_id.does_not_exist() | condition
    tx.update(WorkerSchedule(worker_id), actions=[WorkerSchedule.revision.add(1)], condition=condition)


def _guard(worker_id: str, slots: list[Slot], worker_field: str, ignore: str | None = None) -> int:
    """Raise one Conflict listing every slot the worker cannot take (not compliant, or double-booked).

    Returns the worker's schedule revision read before the overlap check, for the write to claim.
    """
    days = [s.local_start.date() for s in slots]
    compliance = _compliance(worker_id, days, worker_field)
    revision = _schedule_revision(worker_id)
    booked = _booked(worker_id, slots, ignore)
    problems: list[Problem] = []
    for index, s in enumerate(slots):
        when = date_words.when(s.local_start)
        ok, reasons = compliance[s.local_start.date()]
        if not ok:
            why = "; ".join(readable_reason(r) for r in reasons)
            problems.append(
                Problem(index, when, f"the worker will not be compliant on {date_words.long_day(days[index])}: {why}")
            )
        for other_id in clashes_with(s, booked):
            other = next(b for b in booked if b[0] == other_id)
            problems.append(
                Problem(
                    index,
                    when,
                    f"the worker already has visit {other_id} from {date_words.when(other[1])} to "
                    f"{date_words.clock(other[2])}",
                )
            )
    if problems:
        if len(slots) == 1:
            message = f"This visit cannot be booked: {problems[0].message}."
            if len(problems) > 1:
                message = "This visit cannot be booked: " + "; and ".join(p.message for p in problems) + "."
        else:
            dates = sorted({p.index for p in problems})
            message = (
                f"{len(dates)} of the {len(slots)} visits cannot be booked, so none were: "
                + "; ".join(f"{p.when}: {p.message}" for p in problems)
                + "."
            )
        fields = [
            {"path": f"visits[{p.index}]" if len(slots) > 1 else "start", "message": f"{p.when}: {p.message}"}
            for p in problems
        ]
        raise Conflict(message[:1].upper() + message[1:], fields=fields)
    return revision


def _check_range(slots: list[Slot], field: str) -> None:
    today = clock.today()
    problems = [
        {"path": field, "message": problem}
        for problem in {check_within_range(s.local_start, today) for s in slots}
        if problem
    ]
    if problems:
        raise ValidationFailed(problems[0]["message"] + ".", fields=problems)


# -- booking -------------------------------------------------------------------------------------


def book(principal: Principal, new: NewVisit) -> dict[str, Any]:
    """Book one visit (201). The first visit of a referral makes it ACTIVE in the same transaction."""
    referral = load_referral(new.referral_id, "referral_id")
    participants = _participants(referral, new.participants, "participants")
    s = new.slot
    _check_range([s], "start")
    _check_bookable(referral)
    revision = _guard(new.worker_id, [s], "worker_id")
    with _naming_the_clash(new.worker_id, [s]):
        visits = _write(
            principal, referral, new.worker_id, [s], new.venue, participants, series=None, revision=revision
        )
    return view(visits[0])


def book_series(principal: Principal, referral_id: str, series: NewSeries) -> dict[str, Any]:
    """Book a series from the contact plan, all or nothing (201)."""
    from pydantic import ValidationError

    from chalicelib.domain.validation import field_errors

    referral = load_referral(referral_id, None)
    participants = _participants(referral, series.participants, "participants")
    try:
        slots = series.slots()
    except ValidationError as exc:
        fields = field_errors(exc)
        raise ValidationFailed(fields[0]["message"] + ".", fields=fields) from exc
    _check_range(slots, "first_start")
    _check_bookable(referral)
    revision = _guard(series.worker_id, slots, "worker_id")
    series_info = {
        "id": uuid.uuid4().hex,
        "repeat": series.repeat.value,
        "until": series.until.isoformat() if series.until else None,
        "sessions": series.sessions,
    }
    with _naming_the_clash(series.worker_id, slots):
        visits = _write(
            principal,
            referral,
            series.worker_id,
            slots,
            series.venue,
            participants,
            series=series_info,
            revision=revision,
        )
    now = clock.now()
    return {
        "series_id": series_info["id"],
        "repeat": series.repeat.value,
        "repeat_label": REPEAT_LABELS[series.repeat],
        "count": len(visits),
        "visits": [view(v, now=now) for v in visits],
    }


@contextmanager
def _naming_the_clash(worker_id: str, slots: list[Slot]) -> Iterator[None]:
    """A booking that lost the race for the worker's schedule (the same plan sent twice at once,
    say) is told what it clashed with: the guard runs again on what is booked now."""
    try:
        yield
    except Conflict:
        _guard(worker_id, slots, "worker_id")
        raise


def _write(
    principal: Principal,
    referral,
    worker_id: str,
    slots: list[Slot],
    venue: str,
    participants: dict,
    *,
    series: dict | None,
    revision: int,
) -> list[Visit]:
    """One TransactWriteItems: each visit and its audit event, the series' audit event, and the
    referral's move to ACTIVE (or a check that it still is), and the worker's schedule revision.
    40 visits make 84 items (the limit is 100)."""
    from chalicelib.services.referrals import change_status
    from chalicelib.storage.referrals import Referral

    now = clock.iso_now()
    plan_start, plan_end = _plan(referral)
    confidential = bool(((referral.submission or {}).get("risks") or {}).get("confidential_address"))
    visits = [
        Visit(
            uuid.uuid4().hex,
            referral_id=referral.referral_id,
            referrer_id=referral.referrer_id,
            worker_id=worker_id,
            starts_at=iso_utc(s.starts_at),
            ends_at=iso_utc(s.ends_at),
            zone=ZONE_NAME,
            month=month_of(s.starts_at),
            venue=venue,
            participants=participants,
            confidential_address=confidential,
            outside_plan=outside_plan(s.local_start, plan_start, plan_end),
            series_id=series["id"] if series else None,
            status=VisitStatus.SCHEDULED.value,
            at_risk=False,
            created_at=now,
            created_by=principal.email,
            updated_at=now,
        )
        for s in slots
    ]
    conflict = (
        "The referral or the worker's schedule changed while this was being booked, so nothing was booked. "
        "Check the schedule and try again."
    )
    with audited_transaction(principal.email, conflict) as tx:
        _claim_schedule(tx, worker_id, revision)
        for visit in visits:
            tx.save(visit, condition=Visit.visit_id.does_not_exist())
            tx.record(
                ENTITY,
                visit.visit_id,
                "visit.scheduled",
                {
                    "referral_id": visit.referral_id,
                    "worker_id": worker_id,
                    "starts_at": visit.starts_at,
                    "ends_at": visit.ends_at,
                    "series_id": visit.series_id,
                    "outside_plan": visit.outside_plan,
                },
            )
        if series:
            tx.record(
                SERIES_ENTITY,
                series["id"],
                "visit_series.scheduled",
                {**series, "referral_id": referral.referral_id, "visit_ids": [v.visit_id for v in visits]},
            )
        if referral.status == ReferralStatus.ACCEPTED:
            change_status(
                tx,
                referral.referral_id,
                ReferralStatus.ACCEPTED.value,
                ReferralStatus.ACTIVE.value,
                action="referral.activated",
                reason="first visit scheduled",
            )
        else:
            tx.condition_check(Referral, referral.referral_id, condition=Referral.status == ReferralStatus.ACTIVE.value)
    count("VisitsScheduled", len(visits))
    logger().info(
        "visits scheduled",
        extra={"referral_id": referral.referral_id, "worker_id": worker_id, "visits": len(visits)},
    )
    return visits


# -- change and cancel ---------------------------------------------------------------------------


def change(principal: Principal, visit_id: str, changes: VisitChange) -> dict[str, Any]:
    """Reschedule and/or reassign; every guard runs again. A visit that passes them is not at risk."""
    visit = load(visit_id)
    if visit.status != VisitStatus.SCHEDULED:
        raise Conflict(f"This visit is {VisitStatus(visit.status).label.lower()}, so it cannot be changed.")
    old_start, old_end = from_iso(visit.starts_at), from_iso(visit.ends_at)
    length = old_end - old_start
    local_start = changes.start or to_local(old_start)
    new = slot(local_start, int(length.total_seconds() // 60))
    if changes.end is not None:
        new = Slot(local_start, new.starts_at, slot(changes.end, 0).starts_at)
    problem = check_length(new.starts_at, new.ends_at)
    if problem:
        raise ValidationFailed(problem + ".", fields=[{"path": "end", "message": problem}])
    _check_range([new], "start")
    referral = load_referral(visit.referral_id, None)
    _check_bookable(referral)
    worker_id = changes.worker_id or visit.worker_id
    revision = _guard(worker_id, [new], "worker_id", ignore=visit.visit_id)

    plan_start, plan_end = _plan(referral)
    record: dict[str, Any] = {}
    if new.starts_at != old_start or new.ends_at != old_end:
        record["starts_at"] = {"from": visit.starts_at, "to": iso_utc(new.starts_at)}
        record["ends_at"] = {"from": visit.ends_at, "to": iso_utc(new.ends_at)}
    if worker_id != visit.worker_id:
        record["worker_id"] = {"from": visit.worker_id, "to": worker_id}
    if changes.venue is not None and changes.venue != visit.venue:
        record["venue"] = "changed"
    if visit.at_risk:
        record["at_risk"] = {"from": True, "to": False}
    if not record:
        return view(visit)
    visit.starts_at, visit.ends_at = iso_utc(new.starts_at), iso_utc(new.ends_at)
    visit.month = month_of(new.starts_at)
    visit.worker_id = worker_id
    visit.venue = changes.venue if changes.venue is not None else visit.venue
    visit.outside_plan = outside_plan(new.local_start, plan_start, plan_end)
    visit.at_risk, visit.at_risk_reason, visit.at_risk_since, visit.at_risk_unsent = False, None, None, None
    visit.updated_at = clock.iso_now()
    action = "visit.reassigned" if "worker_id" in record else "visit.rescheduled"
    conflict = "The visit or the worker's schedule changed meanwhile, so nothing was changed. Reload it and try again."
    with audited_transaction(principal.email, conflict) as tx:
        tx.save(visit, condition=Visit.status == VisitStatus.SCHEDULED.value)  # and its version
        _claim_schedule(tx, worker_id, revision)
        tx.record(ENTITY, visit.visit_id, action, record)
    return view(visit)


def cancel(principal: Principal, visit_id: str, cancellation: Cancellation) -> dict[str, Any]:
    """Record who cancelled and why. A supervisor, or the worker the visit is assigned to."""
    refusal = "Only a supervisor or the worker assigned to this visit may cancel it."
    try:
        visit = load(visit_id)
    except NotFound:
        if principal.has_any(SCHEDULERS):
            raise
        raise Forbidden(refusal) from None  # the same answer as for someone else's visit
    if not principal.has_any(SCHEDULERS) and worker_id_of(principal) != visit.worker_id:
        raise Forbidden(refusal)
    if visit.status == VisitStatus.CANCELLED:
        by = CANCELLED_BY_LABELS.get(CancelledBy(visit.cancelled_by), visit.cancelled_by)
        raise Conflict(
            f"This visit was already cancelled on {date_words.when(visit.cancelled_at)} (cancelled by: {by.lower()})."
        )
    if visit.status == VisitStatus.REPORTED:
        raise Conflict("This visit has been reported, so it cannot be cancelled.")
    visit.status = VisitStatus.CANCELLED.value
    visit.cancelled_by = cancellation.cancelled_by.value
    visit.cancel_reason = cancellation.reason
    visit.cancelled_at = clock.iso_now()
    visit.cancelled_by_user = principal.email
    visit.at_risk_unsent = None
    visit.updated_at = visit.cancelled_at
    with audited_transaction(principal.email, "The visit changed meanwhile. Reload it and try again.") as tx:
        tx.save(visit, condition=Visit.status == VisitStatus.SCHEDULED.value)
        tx.record(
            ENTITY,
            visit.visit_id,
            "visit.cancelled",
            {
                "status": {"from": VisitStatus.SCHEDULED.value, "to": VisitStatus.CANCELLED.value},
                "by": visit.cancelled_by,
            },
        )
    return view(visit)


# -- at risk (the daily compliance scan) ---------------------------------------------------------


def flag_at_risk(worker: Any, today: date) -> int:
    """Flag each of the worker's scheduled visits from `today` on when they will not be compliant
    on its date. Called by the compliance scan for a worker it finds newly non-compliant; reads
    the worker's visits with one Query on the by-worker index. Returns how many were flagged.

    Each flag is marked unsent: `notify_at_risk` lists it in the supervisor's next email.
    """
    from chalicelib.domain.clearances import compliant_on
    from chalicelib.services import workers

    certs, rules = workers.certificates(worker), workers.policy()
    from_at, _ = local_day_bounds(today, today)
    flagged = []
    try:
        for visit in Visit.by_worker.query(worker.worker_id, Visit.starts_at >= iso_utc(from_at)):
            if visit.status != VisitStatus.SCHEDULED or visit.at_risk:
                continue
            ok, reasons = compliant_on(certs, rules, to_local(from_iso(visit.starts_at)).date())
            if not ok:
                flagged.append((visit, "; ".join(readable_reason(r) for r in reasons)))
    except Exception as exc:  # the scan goes on; the supervisor still sees the worker in HR's digest
        logger().error("visits at risk not read", extra={"worker_id": worker.worker_id, "error": type(exc).__name__})
        return 0
    done = 0
    for start in range(0, len(flagged), FLAG_CHUNK):
        chunk = flagged[start : start + FLAG_CHUNK]
        try:
            with audited_transaction(SYSTEM) as tx:
                for visit, reason in chunk:
                    tx.update(
                        visit,
                        actions=[
                            Visit.at_risk.set(True),
                            Visit.at_risk_reason.set(reason),
                            Visit.at_risk_since.set(today.isoformat()),
                            Visit.at_risk_unsent.set(UNSENT),
                            Visit.updated_at.set(clock.iso_now()),
                        ],
                        condition=(Visit.status == VisitStatus.SCHEDULED.value) & (Visit.worker_id == worker.worker_id),
                    )
                    tx.record(
                        ENTITY, visit.visit_id, "visit.at_risk", {"worker_id": worker.worker_id, "reason": reason}
                    )
        except Exception as exc:  # a visit changed meanwhile: it was rescheduled or reassigned, so re-judged then
            logger().warning(
                "visits not flagged at risk", extra={"worker_id": worker.worker_id, "error": type(exc).__name__}
            )
            continue
        done += len(chunk)
    if done:
        count("VisitsAtRisk", done)
    return done


def notify_at_risk(today: date) -> int:
    """One email to the supervisor listing every at-risk visit not yet reported (a Query on the
    sparse unsent index); a re-run finds none and sends nothing. Returns how many were listed."""
    from chalicelib.config import settings
    from chalicelib.services import email

    unsent = sorted(Visit.at_risk_unsent_index.query(UNSENT), key=lambda v: (v.starts_at, v.visit_id))
    if not unsent:
        return 0
    names = worker_names({v.worker_id for v in unsent})
    rows = [
        {
            "id": v.visit_id,
            "when": date_words.when(v.starts_at),
            "worker": names.get(v.worker_id, "A worker"),
            "reason": v.at_risk_reason or "",
            "week": _week_start(to_local(from_iso(v.starts_at)).date()).isoformat(),
        }
        for v in unsent
    ]
    email.send(settings().duty_supervisor_email, "visits_at_risk", today=date_words.long_day(today), visits=rows)
    for visit in unsent:
        try:
            visit.update(
                actions=[Visit.at_risk_unsent.remove()],
                condition=Visit.at_risk_unsent == UNSENT,
            )
        except Exception as exc:  # listed again in the next email: better twice than never
            logger().warning("at-risk visit not marked as sent", extra={"error": type(exc).__name__})
    return len(rows)


def worker_names(worker_ids: Iterable[str]) -> dict[str, str]:
    from chalicelib.storage.workers import Worker

    ids = sorted(set(worker_ids))
    return {w.worker_id: w.name for w in Worker.batch_get(ids)} if ids else {}


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())
