"""How pages name who acted: the name and role kept beside the email, the email where none was kept."""

from __future__ import annotations

import pytest

from chalicelib.domain.people import (
    MAX_NAME_LENGTH,
    SYSTEM,
    SYSTEM_LABEL,
    Person,
    main_role,
    name_from_claims,
    person_label,
    trail_label,
)


@pytest.mark.parametrize(
    ("email", "name", "role", "shown"),
    [
        ("sam@example.org", "Sam Patel", "supervisor", "Sam Patel, Supervisor"),
        ("sam@example.org", "Sam Patel", None, "Sam Patel"),
        ("sam@example.org", "Sam Patel", "admin", "Sam Patel, Service lead"),
        ("sam@example.org", None, None, "sam@example.org"),  # an older record: the email
        ("sam@example.org", "   ", "worker", "sam@example.org, Contact worker"),
        ("sam@example.org", "Sam Patel", "printer-users", "Sam Patel"),  # a role we do not know
        (SYSTEM, None, None, SYSTEM_LABEL),
        (None, None, None, ""),
    ],
)
def test_a_person_is_shown_by_name_and_role_else_by_email(email, name, role, shown):
    assert person_label(email, name, role) == shown


def test_a_person_labels_themselves_the_same_way():
    assert Person("sam@example.org", "Sam Patel", "hr").label == "Sam Patel, HR"
    assert Person("sam@example.org").label == "sam@example.org"


@pytest.mark.parametrize(
    ("roles", "shown"),
    [
        ({"worker", "admin"}, "admin"),
        ({"referrer"}, "referrer"),
        ({"hr", "supervisor"}, "supervisor"),
        (set(), None),
        ({"printer-users"}, None),
    ],
)
def test_a_person_with_several_roles_is_shown_by_the_most_senior(roles, shown):
    assert main_role(roles) == shown


@pytest.mark.parametrize(
    ("claims", "name"),
    [
        ({"name": "Sam Patel", "given_name": "Samuel"}, "Sam Patel"),
        ({"given_name": "Sam", "family_name": "Patel"}, "Sam Patel"),
        ({"given_name": "Sam"}, "Sam"),
        ({"family_name": "Patel"}, "Patel"),
        ({"name": "  Siobhán \t Ní  Bhriain "}, "Siobhán Ní Bhriain"),
        ({"name": "", "given_name": "Sam", "family_name": "Patel"}, "Sam Patel"),
        ({"name": 42, "given_name": ["Sam"]}, ""),  # not text: ignored
        ({"email": "sam@example.org"}, ""),
    ],
)
def test_the_name_comes_from_the_token_claims(claims, name):
    assert name_from_claims(claims) == name


def test_a_name_is_cut_at_its_limit():
    assert name_from_claims({"name": "x" * (MAX_NAME_LENGTH + 50)}) == "x" * MAX_NAME_LENGTH


@pytest.mark.parametrize(
    ("email", "name", "shown"),
    [
        ("sam@example.org", "Sam Patel", "Sam Patel (sam@example.org)"),
        ("sam@example.org", None, "sam@example.org"),
        ("sam@example.org", "sam@example.org", "sam@example.org"),
        (SYSTEM, None, SYSTEM_LABEL),
    ],
)
def test_the_audit_log_names_who_with_the_email_that_identifies_them(email, name, shown):
    assert trail_label(email, name) == shown
