"""The Jinja2 environment that pages and emails share, and the date wording both use.

It sits below the services and the web layer alike, so an email is rendered without any page code.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from chalicelib.config import settings
from chalicelib.domain import labels
from chalicelib.domain.visits import readable_reason


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("chalicelib", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["stage"] = settings().stage
    env.globals["when"] = when
    env.globals["day"] = labels.day
    env.globals["contact_words"] = labels.contact_words
    env.globals["risk_words"] = labels.risk_words
    env.globals["reason_words"] = env.filters["reason_words"] = readable_reason
    return env


def when(iso: str | None) -> str:
    """`2026-03-14T09:05:00+00:00` -> `14 Mar 2026, 09:05 UTC` (anything else as it came)."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    zone = moment.strftime(" %Z") if moment.tzinfo else ""
    return f"{moment.day} {moment:%b %Y, %H:%M}{zone}"


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
