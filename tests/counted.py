"""The check behind `@pytest.mark.counted`: after a scenario test, the dashboard's counters kept
at write time must equal what the one-off backfill recomputes from the items the test left."""

from __future__ import annotations


def kept_counters() -> dict[str, dict[str, int]]:
    """Every month's counters, shards summed, without the ones at 0 (the backfill writes zeros)."""
    from chalicelib.storage.monthly_figures import figures_of_months, months_kept

    kept = figures_of_months(months_kept())
    return {month: {k: v for k, v in values.items() if v} for month, values in kept.items() if any(values.values())}


def assert_counters_match_a_backfill() -> None:
    from chalicelib import clock
    from chalicelib.services.dashboard_backfill import backfill

    kept = kept_counters()
    backfill(clock.today())
    recomputed = kept_counters()
    assert recomputed == kept, f"kept at write time {kept}\nrecomputed by the backfill {recomputed}"
