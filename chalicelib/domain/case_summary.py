"""The cumulative summary of a case, from its approved reports, its cancelled visits and its
incidents: sessions held, attendance and lateness per participant, cancellations by whom, the
safeguarding concerns recorded and the incidents. The court bundle prints it; the case review
form starts from its attendance.

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.reports import Attendance, ReportContent
from chalicelib.domain.visits import CANCELLED_BY_LABELS, CancelledBy

DECISION_LABELS = {
    "continue": "contact continued unchanged",
    "change_conditions": "conditions changed",
    "suspend": "case suspended",
}


@dataclass(frozen=True)
class ReportedSession:
    """One approved report: the visit's UK day, its participants (attendance key -> label) and the
    approved version's content."""

    day: str
    participants: Mapping[str, str]
    content: ReportContent


@dataclass
class ParticipantTally:
    label: str
    attended: int = 0  # on time
    late: int = 0
    minutes_late: int = 0  # in all, over the sessions they were late to
    no_show: int = 0
    cancelled: int = 0

    @property
    def came(self) -> int:
        return self.attended + self.late


@dataclass(frozen=True)
class Concern:
    day: str
    details: str


@dataclass(frozen=True)
class CaseSummary:
    sessions_reported: int
    sessions_held: int  # reports in which at least one participant came
    participants: list[ParticipantTally]
    visits_cancelled_by: dict[str, int]  # CancelledBy value -> whole visits cancelled
    attendance_cancelled_by: dict[str, int]  # CancelledBy value -> one participant's attendance cancelled
    concerns: list[Concern]
    incidents: int = 0
    critical_incidents: int = 0
    incidents_ended_early: int = 0
    incident_decisions: dict[str, int] = field(default_factory=dict)  # decision -> count; "" not yet decided


def summarise(
    sessions: Iterable[ReportedSession],
    cancelled_by: Iterable[str | None] = (),
    incidents: Iterable[Mapping[str, Any]] = (),
) -> CaseSummary:
    """The summary of `sessions` (any order), the `cancelled_by` of each cancelled visit (None when
    it was not recorded: counted as "other") and `incidents` (records with `critical`, `ended_early`
    and `decision`, as `services.incidents.incidents_of_case` gives them).

    A participant is tallied under their attendance key, with the label of their latest session;
    a session counts as held when at least one participant came (on time or late)."""
    ordered = sorted(sessions, key=lambda s: s.day)
    tallies: dict[str, ParticipantTally] = {}
    held = 0
    attendance_cancelled: Counter[str] = Counter()
    concerns: list[Concern] = []
    for session in ordered:
        someone_came = False
        for entry in session.content.attendance:
            label = session.participants.get(entry.participant, entry.participant)
            tally = tallies.setdefault(entry.participant, ParticipantTally(label))
            tally.label = label
            attendance = Attendance(entry.attendance)
            if attendance is Attendance.ATTENDED:
                tally.attended += 1
            elif attendance is Attendance.LATE:
                tally.late += 1
                tally.minutes_late += entry.minutes_late or 0
            elif attendance is Attendance.NO_SHOW:
                tally.no_show += 1
            else:
                tally.cancelled += 1
                attendance_cancelled[_who(entry.cancelled_by)] += 1
            someone_came = someone_came or attendance in (Attendance.ATTENDED, Attendance.LATE)
        held += someone_came
        if session.content.safeguarding_concern:
            concerns.append(Concern(session.day, session.content.safeguarding_details or "No details recorded"))
    incident_list = list(incidents)
    return CaseSummary(
        sessions_reported=len(ordered),
        sessions_held=held,
        participants=list(tallies.values()),
        visits_cancelled_by=dict(Counter(_who(who) for who in cancelled_by)),
        attendance_cancelled_by=dict(attendance_cancelled),
        concerns=concerns,
        incidents=len(incident_list),
        critical_incidents=sum(1 for i in incident_list if i.get("critical")),
        incidents_ended_early=sum(1 for i in incident_list if i.get("ended_early")),
        incident_decisions=dict(Counter(i.get("decision") or "" for i in incident_list)),
    )


def _who(cancelled_by: str | None) -> str:
    try:
        return CancelledBy(cancelled_by).value
    except ValueError:
        return CancelledBy.OTHER.value


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def participant_line(tally: ParticipantTally) -> str:
    """`Maya: came to 9 (late to 2, 25 minutes in all), did not come to 1, cancelled 1`."""
    parts = [f"came to {tally.came}"]
    if tally.late:
        parts[0] += f" (late to {tally.late}, {_plural(tally.minutes_late, 'minute')} in all)"
    if tally.no_show:
        parts.append(f"did not come to {tally.no_show}")
    if tally.cancelled:
        parts.append(f"cancelled {tally.cancelled}")
    return f"{tally.label}: {', '.join(parts)}"


def by_whom(counts: Mapping[str, int]) -> str:
    """`Parent 2, the service 1`, in the order of `CancelledBy`; "none" when empty."""
    words = [f"{CANCELLED_BY_LABELS[who]} {counts[who.value]}" for who in CancelledBy if counts.get(who.value)]
    if not words:
        return "none"
    return ", ".join([words[0], *(w[:1].lower() + w[1:] for w in words[1:])])


def attendance_text(summary: CaseSummary) -> str:
    """What the case review form starts from: sessions held and each participant's attendance."""
    lines = [
        f"{_plural(summary.sessions_held, 'session')} held, of {summary.sessions_reported} with an approved report."
    ]
    lines += [participant_line(t) + "." for t in summary.participants]
    cancelled = sum(summary.visits_cancelled_by.values())
    if cancelled:
        lines.append(f"{_plural(cancelled, 'visit')} cancelled: {by_whom(summary.visits_cancelled_by)}.")
    return "\n".join(lines)


def incident_line(summary: CaseSummary) -> str:
    """`3 incidents (1 critical, 1 ended the visit early); decisions: conditions changed 1, not yet decided 2`."""
    if not summary.incidents:
        return "No incidents recorded."
    details = [f"{summary.critical_incidents} critical", f"{summary.incidents_ended_early} ended the visit early"]
    decisions = ", ".join(
        f"{DECISION_LABELS.get(decision, 'not yet decided')} {n}"
        for decision, n in sorted(summary.incident_decisions.items())
    )
    return f"{_plural(summary.incidents, 'incident')} ({', '.join(details)}); decisions: {decisions}."
