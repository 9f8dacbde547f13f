"""The referral form ends with "Check your answers": Continue shows every answer before anything is
sent (or every error at once), Change brings the form back as typed, and "Send referral" creates
the referral, once however often it is pressed."""

from __future__ import annotations

from datetime import date

from chalicelib.web.forms import field_id
from tests.dates import example_referral, long_day
from tests.functional.test_referral_drafts import draft_path, save_draft
from tests.functional.test_referral_errors_in_one_round import EXPECTED, broken_referral
from tests.functional.test_referral_pages import KEY, Html, as_browser_posts, form_of, post, referral_id
from tests.helpers import SUPERVISOR, emails_to

CHECK = "Check your answers before sending your referral"
SECTIONS = {"referrer", "children-0", "children-1", "family_members-0", "contact", "legal_basis", "risks", "consent"}


def the_referral() -> dict:
    """The example referral, with notes over two lines and characters HTML escapes."""
    body = example_referral()
    body["family_members"][0]["safety_notes"] = "Must not be told the carers' address.\nSays \"we'll wait\" & leaves."
    return body


def continued(client, headers: dict, body: dict | None = None, path: str = "/referrals/new"):
    """The form as the referrer typed it (`body`), with Continue pressed."""
    typed = form_of(body or the_referral())
    return post(client, headers, path, [("idempotency_key", KEY), *typed, ("action", "continue")])


def pressing(response, button: str) -> list[tuple[str, str]]:
    """What the browser posts from the check page in `response` when `button` is pressed."""
    assert response.status_code == 200, response.body
    return [*as_browser_posts(Html(response.body)), ("action", button)]


def heading(page: Html) -> str:
    return page.one("h1")["text"].strip()


def filled(pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(name, value.replace("\r\n", "\n")) for name, value in pairs if value and name != "action"}


def test_the_forms_main_button_and_enter_key_continue_to_the_check_page(client, sam):
    page = Html(client.http.get("/referrals/new", headers=sam).body)

    buttons = page.find("button", name="action")
    assert buttons[0]["attrs"]["value"] == "continue"  # the button Enter presses
    visible = [b for b in buttons if "aria-hidden" not in b["attrs"]]
    assert [b["text"] for b in visible if b["attrs"]["value"] in ("continue", "submit")] == ["Continue"]


def test_continue_shows_every_answer_to_check_and_sends_nothing(client, runtime, sam):
    body = the_referral()

    response = continued(client, sam, body)

    assert response.status_code == 200
    page = Html(response.body)
    assert heading(page) == CHECK
    assert page.one("title")["text"].startswith(CHECK)
    text = " ".join(e["text"] for e in page.find("dd"))
    child = body["children"][0]
    for shown in (
        "Amara Okafor",
        "Northshire County Council",
        long_day(date.fromisoformat(child["date_of_birth"])),
        "Interim care order",
        "Foster care",
        child["needs_notes"],
        "Mother",
        body["family_members"][0]["safety_notes"],
        "Supervised",
        "1 session per week",
        "Tuesday, Thursday",
        body["contact"]["brought_by"],
        body["contact"]["collected_by"],
        long_day(date.fromisoformat(body["contact"]["start_date"])),
        long_day(date.fromisoformat(body["contact"]["end_date"])),
        "NS26C00412",
        "Domestic abuse",
        body["risks"]["carer_address"],
        "PO-2026-0457",
    ):
        assert shown in text, shown
    headings = [e["text"] for e in page.find("h2")]
    assert "Child 2: Leo Robinson" in headings and "Family member 1: Danielle Robinson" in headings
    # Each section has its Change button, back to that part of the form; one button sends.
    changes = page.find("button", name="action", value="change")
    assert {b["attrs"]["formaction"].partition("#")[2] for b in changes} == SECTIONS
    assert all(b["attrs"]["formaction"].startswith("/referrals/new#") for b in changes)
    assert page.one("button", name="action", value="submit")["text"] == "Send referral"
    assert [f["attrs"]["action"] for f in page.find("form")] == ["/signout", "/referrals/new"]
    # Nothing was sent: no referral, no draft, no email.
    assert client.http.get("/v1/referrals", headers=sam).json_body["referrals"] == []
    assert Html(client.http.get("/referrals", headers=sam).body).find(id="drafts") == []
    assert emails_to(runtime.outbox, SUPERVISOR) == []


def test_continue_with_mistakes_shows_every_error_at_once_and_keeps_the_typing(client, sam):
    response = continued(client, sam, broken_referral())

    assert response.status_code == 422
    page = Html(response.body)
    assert heading(page) == "Refer a family"
    assert page.by_class("error-summary")
    for path in EXPECTED:
        assert page.find("a", href=f"#{field_id(path)}"), path
    assert page.value("children[1].first_name") == "Leo"
    assert page.value("idempotency_key") == KEY
    assert client.http.get("/v1/referrals", headers=sam).json_body["referrals"] == []


def test_change_shows_the_form_again_with_every_value_kept(client, sam):
    typed = [("idempotency_key", KEY), *form_of(the_referral())]
    check = continued(client, sam)

    response = post(client, sam, "/referrals/new", pressing(check, "change"))

    assert response.status_code == 200
    page = Html(response.body)
    assert heading(page) == "Refer a family"
    assert page.by_class("error-summary") == []
    assert filled(as_browser_posts(page)) == filled(typed)
    assert (
        page.value("family_members[0].safety_notes").replace("\r\n", "\n")
        == the_referral()["family_members"][0]["safety_notes"]
    )
    assert client.http.get("/v1/referrals", headers=sam).json_body["referrals"] == []


def test_send_referral_creates_exactly_one_referral_with_every_answer(client, sam):
    send = pressing(continued(client, sam), "submit")

    first = post(client, sam, "/referrals/new", send)
    again = post(client, sam, "/referrals/new", send)

    assert referral_id(first) == referral_id(again)
    listed = client.http.get("/v1/referrals", headers=sam).json_body["referrals"]
    assert [r["id"] for r in listed] == [referral_id(first)]
    got = client.http.get(f"/v1/referrals/{referral_id(first)}", headers=sam).json_body["submission"]
    expected = the_referral()
    # The family member's phone in international form; the reminder questions left unanswered.
    expected["family_members"][0].update(phone="+447700900456", preferred_channel=None, reminders=None)
    assert got == expected


def test_a_draft_continues_to_its_own_check_page_and_sending_removes_the_draft(client, sam):
    # GIVEN a draft of the form
    draft_id = save_draft(client, sam, [("idempotency_key", KEY), *form_of(example_referral())])
    changed = the_referral()
    changed["funding_reference"] = "PO-CHANGED"

    # WHEN the referrer changes it and presses Continue
    check = continued(client, sam, changed, path=draft_path(draft_id))

    # THEN the check page posts to the draft, and the draft keeps the change
    page = Html(check.body)
    assert heading(page) == CHECK
    assert [f["attrs"]["action"] for f in page.find("form")] == ["/signout", draft_path(draft_id)]
    changes = page.find("button", name="action", value="change")
    assert {b["attrs"]["formaction"] for b in changes} == {f"{draft_path(draft_id)}#{s}" for s in SECTIONS}
    assert Html(client.http.get(draft_path(draft_id), headers=sam).body).value("funding_reference") == "PO-CHANGED"

    # WHEN they press Change, then Send referral
    again = post(client, sam, draft_path(draft_id), pressing(check, "change"))
    assert Html(again.body).value("funding_reference") == "PO-CHANGED"
    sent = post(client, sam, draft_path(draft_id), pressing(check, "submit"))

    # THEN the referral is made and the draft is gone
    got = client.http.get(f"/v1/referrals/{referral_id(sent)}", headers=sam).json_body["submission"]
    assert got["funding_reference"] == "PO-CHANGED"
    assert client.http.get(draft_path(draft_id), headers=sam).status_code == 404
