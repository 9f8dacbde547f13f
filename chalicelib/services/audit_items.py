"""Which item an admin means when they look up its audit history: what a person has to hand (a
referral's reference `FCS-9X1J-AF`, a worker's email or name, the address of the item's page, or
its id) resolved to the id its events are kept under. Each lookup is a key or index Query."""

from __future__ import annotations

import re

from chalicelib.errors import BadRequest, NotFound

_ID = re.compile(r"[0-9a-f]{32}")
# The address of each kind's page, with `{id}`; reviewed kinds name their own (`subjects.pages`).
OTHER_PAGES = {"visit": "/visits/{id}", "worker": "/hr/clearances/{id}"}
REFERENCE_LENGTH = 6  # the characters of `FCS-9X1J-AF` after "FCS"
MAX_TYPED = 320  # an email address's longest


def resolve(kind: str, typed: str) -> str:
    """The id of the `kind` item that `typed` names. NotFound when nothing matches; BadRequest when
    it is ambiguous (two workers of one name) or could not name anything."""
    text = typed.strip()
    if not text or len(text) > MAX_TYPED:
        raise BadRequest("Give the item's reference, as it is shown on its page.")
    if _ID.fullmatch(text.lower()):
        return text.lower()
    if (found := _id_in_page_address(kind, text)) is not None:
        return found
    if kind == "referral":
        return _referral(text)
    if kind == "worker":
        return _worker(text)
    if kind == "user":  # a person's events are filed under their email, as the admin types it
        return text.casefold()
    raise NotFound(f"No {kind} has the reference '{text}'. Give its id, or the address of its page.")


def _id_in_page_address(kind: str, text: str) -> str | None:
    """The id where it stands in the address of the item's page (pasted whole, or only the path)."""
    from chalicelib.services.subjects import pages

    page = {**OTHER_PAGES, **pages()}.get(kind)
    if page is None:
        return None
    before = re.escape(page.split("{id}")[0])
    found = re.search(before + r"([0-9a-f]{32})\b", text)
    return found.group(1) if found else None


def _referral(text: str) -> str:
    from chalicelib.domain.referral_reference import reference_key
    from chalicelib.storage.referrals import ids_with_reference

    key = reference_key(text)
    ids = ids_with_reference(key) if len(key) == REFERENCE_LENGTH else []
    if not ids:
        raise NotFound(f"No referral has the reference '{text}'. References look like FCS-9X1J-AF.")
    if len(ids) > 1:
        raise BadRequest(
            f"More than one referral has the reference '{text}'. Give the address of the referral's page instead."
        )
    return ids[0]


def _worker(text: str) -> str:
    from chalicelib.domain.identity import normalise_email
    from chalicelib.storage.workers import worker_by_email, workers_named

    if "@" in text:
        worker = worker_by_email(normalise_email(text))  # as typed, the way sign-in normalises it
        if worker is None:
            raise NotFound(f"No worker has the email address '{text}'.")
        return worker.worker_id
    named = workers_named(text)
    if not named:
        raise NotFound(
            f"No worker is called '{text}'. Give their name as the clearances page shows it, or their email."
        )
    if len(named) > 1:
        raise BadRequest(f"More than one worker is called '{text}'. Give their email address instead.")
    return named[0].worker_id
