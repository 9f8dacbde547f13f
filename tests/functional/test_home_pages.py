"""The start page offers each role its work, with what is waiting; signed out, it promises nothing it cannot do."""

from __future__ import annotations

import re

import pytest

from tests.functional.test_plain_words import VisibleText


def text_of(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", VisibleText(response.body.decode()).text)


def hrefs(response) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', response.body.decode()))


def test_signed_out_the_start_page_asks_to_sign_in_and_promises_no_work(client):
    response = client.http.get("/")
    text = text_of(response)
    assert "Sign in" in text and "/signin" in hrefs(response)
    assert "Refer a family" not in text and "write a visit report" not in text
    assert hrefs(response) & {"/referrals", "/decisions", "/hr/clearances", "/audit", "/visits/mine"} == set()


@pytest.mark.parametrize(
    ("role", "offered", "not_offered"),
    [
        ("referrer", {"/referrals/new", "/referrals"}, {"/decisions", "/hr/clearances", "/audit"}),
        ("worker", {"/visits/mine"}, {"/decisions", "/referrals/new", "/audit"}),
        ("supervisor", {"/decisions", "/referrals", "/visits/week"}, {"/hr/clearances", "/audit"}),
        ("hr", {"/hr/clearances", "/hr/workers/new"}, {"/decisions", "/referrals", "/audit"}),
        (
            "admin",
            {"/referrals/new", "/decisions", "/referrals", "/visits/week", "/hr/clearances", "/audit"},
            set(),
        ),
    ],
)
def test_each_role_is_offered_its_own_work(client, auth, role, offered, not_offered):
    response = client.http.get("/", headers=auth(role))
    links = hrefs(response)
    assert offered <= links
    assert not (not_offered & links)


def test_the_supervisor_sees_how_many_decisions_wait_and_the_week_of_visits(client, auth):
    text = text_of(client.http.get("/", headers=auth("supervisor")))
    assert "Decisions waiting (0)" in text
    assert "Nothing is waiting for your decision." in text
    assert re.search(r"This week: \d+ visits?", text)


def test_hr_sees_the_register_in_numbers(client, auth):
    text = text_of(client.http.get("/", headers=auth("hr")))
    assert re.search(r"\d+ workers?", text)
    assert "Worker clearances" in text


def test_the_referrer_is_told_when_a_question_waits_for_their_answer(client, auth):
    from chalicelib.domain.referral_reference import human_reference
    from tests.visit_helpers import add_referral

    # GIVEN no question waits: the page says nothing of one
    assert "waiting for your answer" not in text_of(client.http.get("/", headers=auth("referrer")))
    # WHEN a supervisor has asked about one of their referrals (and about another referrer's)
    asked = add_referral("MORE_INFO_REQUESTED")
    add_referral("MORE_INFO_REQUESTED", referrer_id="u-someone-else", referrer_email="alex.referrer@council.example")
    add_referral("UNDER_REVIEW")
    response = client.http.get("/", headers=auth("referrer"))
    # THEN their start page says so, with a link to answer that referral's question
    text = text_of(response)
    assert "A supervisor is waiting for your answer to a question about 1 referral." in text
    assert f"Answer the question about {human_reference(asked)} (Maya, Leo)" in text
    assert f"/referrals/{asked}#answer-question" in hrefs(response)
    assert len([h for h in hrefs(response) if h.endswith("#answer-question")]) == 1
