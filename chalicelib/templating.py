"""The Jinja2 environment that pages and emails share; dates are worded by `domain.date_words`.

It sits below the services and the web layer alike, so an email is rendered without any page code.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.config import settings
from chalicelib.domain.date_words import day_of, long_day, when


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    from chalicelib.assets import asset_url

    # The word maps come with the domain's models (pydantic): loaded with the first page, not on import.
    from chalicelib.domain import labels
    from chalicelib.domain.people import person_label
    from chalicelib.domain.referral_reference import human_reference
    from chalicelib.domain.visits import readable_reason

    env = Environment(
        loader=PackageLoader("chalicelib", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["stage"] = settings().stage
    env.globals["asset"] = asset_url
    env.globals["when"] = when
    env.globals["long_day"] = long_day
    env.globals["day_of"] = day_of
    env.globals["referral_reference"] = human_reference
    env.globals["who"] = person_label
    env.globals["contact_words"] = labels.contact_words
    env.globals["risk_words"] = labels.risk_words
    env.globals["reason_words"] = env.filters["reason_words"] = readable_reason
    return env


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
