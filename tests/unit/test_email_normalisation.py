"""The one normalisation of an email: spaces trimmed and ASCII letters lower-cased, nothing else."""

from __future__ import annotations

import pytest

from chalicelib.domain.identity import normalise_email


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        (" Casey.Worker@FamilyContact.EXAMPLE ", "casey.worker@familycontact.example"),
        ("ca\u017fey@familycontact.example", "ca\u017fey@familycontact.example"),  # long s stays a long s
        ("\u212aim@familycontact.example", "\u212aim@familycontact.example"),  # Kelvin sign is not a K
        ("\u00c9lise@familycontact.example", "\u00c9lise@familycontact.example"),  # only ASCII is folded
    ],
)
def test_only_ascii_letters_are_folded(typed, normalised):
    assert normalise_email(typed) == normalised


def test_normalising_twice_changes_nothing():
    once = normalise_email(" Sam.Referrer@Council.example")
    assert normalise_email(once) == once
