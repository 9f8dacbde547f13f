"""The dashboard's referral figures: received, accepted and declined, the share decided within
one working day (Working Together) and the median time to a decision.

Pure Python (no AWS, no I/O): every rule takes the moments it is evaluated on.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.monthly_counts import (
    Counts,
    Histogram,
    Section,
    Standard,
    Values,
    share,
    uk_month,
    within_working_days,
)

RECEIVED = "referrals.received"
ACCEPTED = "referrals.accepted"
DECLINED = "referrals.declined"
DECIDED_IN_A_WORKING_DAY = "referrals.decided_within_one_working_day"

# Time from submission to decision, in calendar hours: a decision after 30 hours counts in "48".
DECISION_HOURS = Histogram("referrals.decision_hours.", (1, 2, 4, 8, 24, 48, 72, 120, 168, 336, 720), "hours")

# Time from acceptance to the start of the first visit held, in calendar days: 8.5 days counts in "10".
FIRST_VISIT_DAYS = Histogram("referrals.first_visit_days.", (1, 2, 3, 5, 7, 10, 14, 21, 28, 42, 56, 90), "days")

COUNTERS = (
    RECEIVED,
    ACCEPTED,
    DECLINED,
    DECIDED_IN_A_WORKING_DAY,
    *DECISION_HOURS.counters,
    *FIRST_VISIT_DAYS.counters,
)

STANDARDS: tuple[Standard, ...] = (
    Standard(
        "received",
        "Referrals received",
        "Referrals submitted by a referrer, counted in the UK month they were submitted.",
        "count",
    ),
    Standard(
        "accepted",
        "Referrals accepted",
        "Referrals a supervisor accepted, counted in the UK month of the decision.",
        "count",
    ),
    Standard(
        "declined",
        "Referrals declined",
        "Referrals a supervisor declined, counted in the UK month of the decision.",
        "count",
    ),
    Standard(
        "decided_within_one_working_day",
        "Referrals decided within one working day",
        "Of the referrals accepted or declined in the month, the share decided no later than the first "
        "working day after the UK day they were submitted (weekends and bank holidays in England and "
        "Wales are not working days). A request for more information does not stop the clock.",
        "share",
        target=1.0,
        target_words="Every referral decided within one working day (Working Together)",
        none_words="No decisions",
    ),
    Standard(
        "median_hours_to_decision",
        "Median time to a decision",
        "The middle of the times from submission to acceptance or decline, in calendar hours, read from "
        f"a histogram with {DECISION_HOURS.bounds_words()}: the figure is the upper bound of the bucket "
        "holding the middle decision.",
        "hours",
        target=24.0,
        target_words="A decision within 24 hours",
        higher_is_better=False,
        none_words="No decisions",
        histogram=DECISION_HOURS,
    ),
    Standard(
        "median_days_to_first_visit",
        "Median time from acceptance to the first visit",
        "The middle of the times from a referral's acceptance to the start of its first visit held (the "
        "first visit whose report was approved with a family member attending), in calendar days, counted "
        "in the UK month of that visit and read from a histogram with "
        f"{FIRST_VISIT_DAYS.bounds_words()}: the figure is the upper bound of the bucket holding the "
        "middle referral.",
        "days",
        higher_is_better=False,
        none_words="No first visits held",
        histogram=FIRST_VISIT_DAYS,
    ),
)


def decided_within_one_working_day(submitted: datetime, decided: datetime) -> bool:
    """Decided on the UK day of submission or on the first working day after it. Submitted on a
    Friday, decided on Monday: yes. Submitted on a Saturday, decided on Monday: yes; on Tuesday:
    no. Submitted on the Friday before Easter Monday, decided on the Tuesday after: yes."""
    return within_working_days(submitted, decided, 1)


def submitted_counts(submitted: datetime) -> Counts:
    """What a referral's submission adds to the counters: (month, counter) -> increment."""
    return {(uk_month(submitted), RECEIVED): 1}


def decision_counts(accepted: bool, submitted: datetime | None, decided: datetime) -> Counts:
    """What an accept or decline adds, in the UK month of the decision. Without the submission
    time (never, for links issued by this service) only the decision itself is counted."""
    month = uk_month(decided)
    counts = {(month, ACCEPTED if accepted else DECLINED): 1}
    if submitted is not None:
        hours = (decided - submitted).total_seconds() / 3600
        counts[(month, DECISION_HOURS.bucket(hours))] = 1
        if decided_within_one_working_day(submitted, decided):
            counts[(month, DECIDED_IN_A_WORKING_DAY)] = 1
    return counts


def first_visit_counts(decided: datetime, first_visit_starts: datetime) -> Counts:
    """A referral's first visit held: the days since its acceptance, in the UK month of the visit's start."""
    days = (first_visit_starts - decided).total_seconds() / 86400
    return {(uk_month(first_visit_starts), FIRST_VISIT_DAYS.bucket(days)): 1}


def figures_of(values: Values) -> dict[str, float | int | None]:
    """The referral figures shown, from one month's (or a range's summed) counters."""
    accepted, declined = values.get(ACCEPTED, 0), values.get(DECLINED, 0)
    return {
        "received": values.get(RECEIVED, 0),
        "accepted": accepted,
        "declined": declined,
        "decided_within_one_working_day": share(values.get(DECIDED_IN_A_WORKING_DAY, 0), accepted + declined),
        "median_hours_to_decision": DECISION_HOURS.median(values),
        "median_days_to_first_visit": FIRST_VISIT_DAYS.median(values),
    }


SECTION = Section("referrals", "Referrals", STANDARDS, COUNTERS, figures_of)
