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
from collections.abc import Iterable, Mapping

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
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
    (its items are months x counters x shards, not events)."""
    return sorted({item.month for item in MonthlyFigure.scan(attributes_to_get=["month"])})
