"""Today's workforce figures for the dashboard, as the last daily compliance scan left them."""

from __future__ import annotations

from chalicelib.domain import monthly_counts, workforce_figures
from chalicelib.services import outputs
from chalicelib.storage import monthly_figures


def today() -> outputs.Workforce:
    """Each workforce figure with its target: one GetItem of the scan's snapshot. Before the first
    scan, `as_of` is None and every value is None ("not known yet")."""
    saved = monthly_figures.snapshot()
    values = dict(saved.values or {}) if saved is not None else {}
    figures: list[outputs.WorkforceFigure] = []
    for standard in workforce_figures.STANDARDS:
        value = values.get(standard.key)
        figures.append(
            {
                "key": standard.key,
                "title": standard.title,
                "definition": standard.definition,
                "unit": standard.unit,
                "value": value,
                "target": standard.target,
                "target_words": standard.target_words,
                "missed": monthly_counts.missed(standard, value),
            }
        )
    return {"as_of": saved.as_of if saved is not None else None, "figures": figures}
