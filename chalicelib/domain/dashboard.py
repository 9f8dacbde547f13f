"""The service dashboard's sections, in the order the page shows them: each names the counters
its events keep and reads its figures from them (`monthly_counts` holds the rules they share).

Pure Python (no AWS, no I/O).
"""

from __future__ import annotations

from chalicelib.domain import incident_figures, referral_figures, report_figures, visit_figures
from chalicelib.domain.monthly_counts import Section, Standard

SECTIONS: tuple[Section, ...] = (
    referral_figures.SECTION,
    visit_figures.SECTION,
    report_figures.SECTION,
    incident_figures.SECTION,
)

COUNTERS: tuple[str, ...] = tuple(counter for section in SECTIONS for counter in section.counters)


def standard(key: str) -> Standard:
    """The figure named `key` (keys are unique across sections)."""
    return next(s for section in SECTIONS for s in section.standards if s.key == key)
