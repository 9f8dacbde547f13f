"""Who a person is: their verified email, normalised by one function when they sign in (and when
HR records a worker's), then compared exactly everywhere."""

from __future__ import annotations

import string

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def normalise_email(email: str) -> str:
    """The email without surrounding spaces and with its ASCII letters in lower case; nothing else
    changes. Only ASCII is folded: a look-alike address (a long s 'ſ' in place of an 's', a Kelvin
    sign in place of a 'k') is another mailbox, so it must stay another person, where `casefold()`
    would turn it into the one it imitates."""
    return email.strip().translate(_ASCII_LOWER)
