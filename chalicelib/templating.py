"""The Jinja2 environment that pages and emails share, and the date wording both use.

It sits below the services and the web layer alike, so an email is rendered without any page code.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.config import settings

UK = ZoneInfo("Europe/London")


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    # The word maps come with the domain's models (pydantic): loaded with the first page, not on import.
    from chalicelib.domain import labels
    from chalicelib.domain.referrals import human_reference
    from chalicelib.domain.visits import readable_reason

    env = Environment(
        loader=PackageLoader("chalicelib", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["stage"] = settings().stage
    env.globals["when"] = when
    env.globals["long_day"] = long_day
    env.globals["day_of"] = day_of
    env.globals["referral_reference"] = human_reference
    env.globals["contact_words"] = labels.contact_words
    env.globals["risk_words"] = labels.risk_words
    env.globals["reason_words"] = env.filters["reason_words"] = readable_reason
    return env


def when(iso: str | None) -> str:
    """A moment as people read it, in UK time: `2026-07-14T09:05:00+00:00` -> `14 Jul 2026, 10:05`.

    Every moment a person reads goes through here; pages say once, in their footer, that times are
    UK time. A time without a zone is taken as UK time already; anything else is shown as it came.
    """
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo:
        moment = moment.astimezone(UK)
    return f"{moment.day} {moment:%b %Y, %H:%M}"


def long_day(value: date | str | None) -> str:
    """A day as people read it: `2019-05-14` (or the date) -> `14 May 2019`; not a date: as it came."""
    from chalicelib.domain import labels

    return labels.day(value)


def day_of(iso: str | None) -> str:
    """The UK day of a moment: `2027-01-12T16:00:00+00:00` -> `12 January 2027`."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return long_day((moment.astimezone(UK) if moment.tzinfo else moment).date())


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
