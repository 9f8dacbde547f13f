"""The dashboard's incident figures: incidents recorded, the share whose referrer was told within
one working day, and the share the supervisor decided within one working day.

Pure Python (no AWS, no I/O): every rule takes the moments it is evaluated on.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.monthly_counts import Counts, Section, Standard, Values, share, uk_month, within_working_days

RECORDED = "incidents.recorded"
TOLD = "incidents.told"
TOLD_IN_A_WORKING_DAY = "incidents.told_within_one_working_day"
DECIDED = "incidents.decided"
DECIDED_IN_A_WORKING_DAY = "incidents.decided_within_one_working_day"

COUNTERS = (RECORDED, TOLD, TOLD_IN_A_WORKING_DAY, DECIDED, DECIDED_IN_A_WORKING_DAY)

_NOT_WORKING = "Weekends and bank holidays in England and Wales are not working days."

STANDARDS: tuple[Standard, ...] = (
    Standard(
        "incidents_recorded",
        "Incidents recorded",
        "Incidents a worker or supervisor recorded at a visit, counted in the UK month they were recorded.",
        "count",
    ),
    Standard(
        "incidents_told_within_one_working_day",
        "Referrer told within one working day",
        "Of the incidents whose referrer was told in the month, the share told no later than the first "
        f"working day after the UK day the incident was recorded. {_NOT_WORKING}",
        "share",
        target=1.0,
        target_words="The referrer told of every incident within one working day",
        none_words="No referrers told",
    ),
    Standard(
        "incidents_decided_within_one_working_day",
        "Incidents decided within one working day",
        "Of the incidents a supervisor decided on in the month (continue, change the conditions or "
        "suspend the case), the share decided no later than the first working day after the UK day the "
        f"incident was recorded. {_NOT_WORKING}",
        "share",
        target=1.0,
        target_words="Every incident decided by a supervisor within one working day",
        none_words="No decisions",
    ),
)


def within_one_working_day(recorded: datetime, then: datetime) -> bool:
    """`then` falls on the UK day the incident was recorded or on the first working day after it.
    Recorded on a Friday, told on Monday: yes; on Tuesday: no. Recorded on the Friday before a bank
    holiday Monday: Tuesday is still within."""
    return within_working_days(recorded, then, 1)


def recorded_counts(recorded: datetime) -> Counts:
    """What recording an incident adds, in the UK month it was recorded."""
    return {(uk_month(recorded), RECORDED): 1}


def told_counts(recorded: datetime, told: datetime) -> Counts:
    """What telling the referrer of an incident adds, in the UK month they were told."""
    month = uk_month(told)
    counts = {(month, TOLD): 1}
    if within_one_working_day(recorded, told):
        counts[(month, TOLD_IN_A_WORKING_DAY)] = 1
    return counts


def decided_counts(recorded: datetime | None, decided: datetime) -> Counts:
    """What the supervisor's decision adds, in the UK month of the decision. Without the recording
    time (never, for links issued by this service) only the decision itself is counted."""
    month = uk_month(decided)
    counts = {(month, DECIDED): 1}
    if recorded is not None and within_one_working_day(recorded, decided):
        counts[(month, DECIDED_IN_A_WORKING_DAY)] = 1
    return counts


def figures_of(values: Values) -> dict[str, float | int | None]:
    """The incident figures shown, from one month's (or a range's summed) counters."""
    return {
        "incidents_recorded": values.get(RECORDED, 0),
        "incidents_told_within_one_working_day": share(values.get(TOLD_IN_A_WORKING_DAY, 0), values.get(TOLD, 0)),
        "incidents_decided_within_one_working_day": share(
            values.get(DECIDED_IN_A_WORKING_DAY, 0), values.get(DECIDED, 0)
        ),
    }


SECTION = Section("incidents", "Incidents", STANDARDS, COUNTERS, figures_of)
