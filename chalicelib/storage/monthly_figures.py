"""The dashboard's counters: one item per UK month, figure and shard, added to in the transaction
of the event counted, so reading a month costs one Query however many events it counted.

Counter items are hot (every submission in a month adds to the same figure). Each count goes to
one of `SHARDS` items of its figure, drawn at random, so two transactions at the same moment meet
on one item (DynamoDB's `TransactionConflict`, `base.ItemBusy`) eight times less often; a reader
sums the shards. What still conflicts is the caller's `ItemBusy`: intake with an idempotency key
tries again (`services.referrals.submit`), anything else answers 503 and the caller tries again,
and nothing of it was written.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.storage.base import Writes, meta

SHARDS = 8


class MonthlyFigure(Model):
    class Meta:
        locals().update(meta("monthly-figures"))

    month = UnicodeAttribute(hash_key=True)  # the UK month "YYYY-MM"
    figure = UnicodeAttribute(range_key=True)  # "<figure>#<shard>": "referrals.received#3"
    value = NumberAttribute(default=0)


def _key(figure: str, shard: int) -> str:
    return f"{figure}#{shard}"


def add_counts(tx: Writes, counts: Mapping[tuple[str, str], int]) -> None:
    """Add each (month, figure) -> increment to the caller's transaction as an `ADD` (an item not
    there yet starts at 0). One item per figure: a transaction never writes one item twice."""
    for (month, figure), increment in counts.items():
        if increment:
            item = MonthlyFigure(month, _key(figure, random.randrange(SHARDS)))
            tx.update(item, actions=[MonthlyFigure.value.add(increment)])


def figures_of_months(months: Iterable[str]) -> dict[str, dict[str, int]]:
    """Each month's figures (shards summed): one Query per month, its items bounded by the
    figures kept (figures x `SHARDS`), not by the events counted."""
    found: dict[str, dict[str, int]] = {}
    for month in months:
        values: dict[str, int] = {}
        for item in MonthlyFigure.query(month):
            figure = item.figure.rpartition("#")[0]
            values[figure] = values.get(figure, 0) + int(item.value or 0)
        found[month] = values
    return found


def set_figures(values: Mapping[tuple[str, str], int], figures: Iterable[str], months: Iterable[str]) -> None:
    """Write absolute values (the backfill): for every month and figure named, shard 0 holds the
    value in `values` (0 if absent) and the other shards 0. Running it twice changes nothing more."""
    names = list(figures)
    with MonthlyFigure.batch_write() as batch:
        for month in months:
            for figure in names:
                for shard in range(SHARDS):
                    value = values.get((month, figure), 0) if shard == 0 else 0
                    batch.save(MonthlyFigure(month, _key(figure, shard), value=value))


def months_kept() -> list[str]:
    """Every month a counter is kept for: a Scan of the counters, for the one-off backfill only
    (its items are months x counters x shards, not events). The workforce's partitions below are
    not months."""
    return sorted(
        {item.month for item in MonthlyFigure.scan(attributes_to_get=["month"]) if _MONTH.fullmatch(item.month)}
    )


_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")

# -- the workforce: today's values, not months ---------------------------------------------------
#
# The workforce figures are today's, not a month's, but they live beside the monthly counters
# because they are the dashboard's and nothing else's: three partitions whose hash key is not a
# month, so no month's Query ever meets them.
# - "workforce": the tally of workers by recorded compliance, sharded counters like a month's,
#   added to in the transaction that changes a worker's compliance;
# - "visits-at-risk": one mark per visit flagged at risk, filed under the visit's UK day
#   ("<YYYY-MM-DD>#<visit_id>"), put and deleted with the flag, so the visits at risk from a day
#   on are one Query that never reads a day gone by;
# - "today": the snapshot the daily compliance scan leaves, the one item the dashboard reads.
WORKFORCE = "workforce"
VISITS_AT_RISK = "visits-at-risk"
TODAY = "today"
SNAPSHOT = "workforce"


class WorkforceSnapshot(Model):
    """The workforce figures as the last compliance scan found them (same table, partition "today")."""

    class Meta:
        locals().update(meta("monthly-figures"))

    month = UnicodeAttribute(hash_key=True)  # always TODAY
    figure = UnicodeAttribute(range_key=True)  # always SNAPSHOT
    as_of = UnicodeAttribute()  # when the scan ran (ISO 8601)
    values = JSONAttribute(default=dict)  # figure key -> value


def add_to_tally(tx: Writes, counts: Mapping[str, int]) -> None:
    """Add each counter -> increment of the workforce tally to the caller's transaction."""
    add_counts(tx, {(WORKFORCE, counter): increment for counter, increment in counts.items()})


def workforce_tally() -> dict[str, int]:
    """The workforce tally, shards summed: one Query of a partition of at most counters x `SHARDS` items."""
    return figures_of_months([WORKFORCE])[WORKFORCE]


def _at_risk_key(day: str, visit_id: str) -> str:
    return f"{day}#{visit_id}"


def mark_at_risk(tx: Writes, day: str, visit_id: str) -> None:
    """The visit on UK `day` ("YYYY-MM-DD") is flagged at risk: its mark, in the flag's transaction.
    A second mark of the same visit is the same item: nothing counts twice."""
    tx.save(MonthlyFigure(VISITS_AT_RISK, _at_risk_key(day, visit_id), value=1))


def unmark_at_risk(tx: Writes, day: str, visit_id: str) -> None:
    """The visit on UK `day` is no longer at risk (cleared, moved, reassigned or cancelled)."""
    tx.delete(MonthlyFigure(VISITS_AT_RISK, _at_risk_key(day, visit_id)))


def visits_at_risk_from(day: str) -> int:
    """How many visits on `day` or later are marked at risk: one Query (paged only past ~10,000 marks),
    whose items are the visits at risk ahead, never those of days gone by."""
    return sum(
        1 for _ in MonthlyFigure.query(VISITS_AT_RISK, MonthlyFigure.figure >= day, attributes_to_get=["figure"])
    )


def save_snapshot(as_of: str, values: Mapping[str, float | int | None]) -> None:
    """Replace the workforce snapshot (one PutItem)."""
    WorkforceSnapshot(TODAY, SNAPSHOT, as_of=as_of, values=dict(values)).save()


def snapshot() -> WorkforceSnapshot | None:
    """The last workforce snapshot (one GetItem), or None before the first scan."""
    try:
        return WorkforceSnapshot.get(TODAY, SNAPSHOT)
    except WorkforceSnapshot.DoesNotExist:
        return None


def replace_workforce(tally: Mapping[str, int], at_risk: Iterable[tuple[str, str]]) -> None:
    """Set the tally and the at-risk marks to what the items say (the one-off backfill): every item
    of both partitions removed, then the tally's values on shard 0 and one mark per (day, visit_id)."""
    with MonthlyFigure.batch_write() as batch:
        for partition in (WORKFORCE, VISITS_AT_RISK):
            for item in MonthlyFigure.query(partition, attributes_to_get=["month", "figure"]):
                batch.delete(item)
    with MonthlyFigure.batch_write() as batch:
        for counter, value in tally.items():
            batch.save(MonthlyFigure(WORKFORCE, _key(counter, 0), value=value))
        for day, visit_id in at_risk:
            batch.save(MonthlyFigure(VISITS_AT_RISK, _at_risk_key(day, visit_id), value=1))
