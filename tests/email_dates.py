"""Every email any test sends writes its dates the one way (`14 May 2019`, `23 Nov 2026, 14:55`):
no weekday in front of a date. Each message the local outbox records is checked as it is kept,
and the test that sent it fails, naming the template's subject and the offending words."""

from __future__ import annotations

import re

import pytest

MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
WEEKDAYS = r"(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?"
# A weekday written as part of a date: "Friday 1 March 2026", "Tue, 14 May", "Monday, 1st".
WEEKDAY_IN_A_DATE = re.compile(rf"\b{WEEKDAYS}\b,?\s+\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTHS})", re.IGNORECASE)

_found: list[str] = []


def weekday_dates(message: dict) -> list[str]:
    return [m.group(0) for part in ("subject", "text", "html") for m in WEEKDAY_IN_A_DATE.finditer(message[part])]


@pytest.fixture(autouse=True)
def _emails_write_dates_without_weekdays(monkeypatch):
    from local.outbox import Outbox

    record = Outbox.record

    def record_and_check(self, raw_message: str):
        path = record(self, raw_message)
        message = Outbox._describe(path)
        _found.extend(f"{message['subject']!r}: {words!r}" for words in weekday_dates(message))
        return path

    monkeypatch.setattr(Outbox, "record", record_and_check)
    _found.clear()
    yield
    found, _found[:] = list(dict.fromkeys(_found)), []
    assert not found, "Emails wrote a weekday in a date (write dates as 14 May 2019): " + "; ".join(found)
