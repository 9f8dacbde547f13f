"""A family member's reminder choice: the referral form asks it (phone numbers in international
form, a text message needs a mobile), an older referral reads as "not asked", and staff record a
new answer on the case page, audited; bad input is a 422 naming the field and changes nothing."""

from __future__ import annotations

import json

from tests.dates import example_referral
from tests.helpers import post_form, session_cookie
from tests.visit_helpers import add_referral

MOBILE = "07911 123456"
LANDLINE = "0113 496 0000"


def submit(client, auth, **member):
    body = example_referral()
    body["family_members"][0].update(member)
    return client.http.post("/v1/referrals", headers=auth("referrer"), body=json.dumps(body))


def errors_of(response) -> dict:
    return {e["path"]: e["message"] for e in response.json_body["error"]["fields"]}


def test_the_form_keeps_the_choice_and_the_phone_in_international_form(client, auth):
    response = submit(client, auth, phone=MOBILE, preferred_channel="text", reminders=True)

    assert response.status_code == 201, response.body
    member = response.json_body["submission"]["family_members"][0]
    assert member["phone"] == "+447911123456"
    assert (member["preferred_channel"], member["reminders"]) == ("text", True)


def test_text_reminders_need_a_mobile_number(client, auth):
    response = submit(client, auth, phone=LANDLINE, preferred_channel="text", reminders=True)

    assert response.status_code == 422
    assert "mobile" in errors_of(response)["family_members[0].phone"]


def test_agreeing_without_a_channel_names_the_channel_field(client, auth):
    response = submit(client, auth, reminders=True)

    assert response.status_code == 422
    assert errors_of(response)["family_members[0].preferred_channel"].startswith("Choose email or text")


def test_an_older_referral_reads_as_not_asked(runtime):
    from chalicelib.services import families
    from chalicelib.storage.referrals import referral

    (member,) = families.members(referral(add_referral()))

    assert member["reminders"] is None and member["consent"] == "Not asked" and not member["wanted"]


def test_staff_record_a_choice_on_the_case_page_and_it_is_audited(client, runtime):
    from chalicelib.services import families
    from chalicelib.services.audit import history
    from chalicelib.storage.referrals import referral

    referral_id = add_referral()
    cookie = {"Cookie": session_cookie("supervisor")}

    response = post_form(
        client,
        f"/referrals/{referral_id}/family/0",
        {"family.0.reminders": "yes", "family.0.preferred_channel": "email"},
        cookie,
    )

    assert response.status_code == 303, response.body
    (member,) = families.members(referral(referral_id))
    assert (member["reminders"], member["preferred_channel"], member["wanted"]) == (True, "email", True)
    (event,) = [e for e in history("referral", referral_id) if e["action"] == "family_member.reminders_changed"]
    assert event["changes"] == {"member": 0, "reminders": True, "preferred_channel": "email"}
    page = client.http.get(f"/referrals/{referral_id}", headers=cookie)
    assert "Agreed to reminders, by email" in page.body.decode()


def test_a_choice_the_details_cannot_carry_is_a_422_at_its_field_and_changes_nothing(client, runtime):
    from chalicelib.services import families
    from chalicelib.storage.referrals import referral

    referral_id = add_referral()  # the mother's phone is not a real mobile number
    cookie = {"Cookie": session_cookie("supervisor")}

    response = post_form(
        client,
        f"/referrals/{referral_id}/family/0",
        {"family.0.reminders": "yes", "family.0.preferred_channel": "text"},
        cookie,
    )

    assert response.status_code == 422
    page = response.body.decode()
    assert (
        "Enter a mobile phone number" in page
        and 'id="family-0-reminders-yes" name="family.0.reminders" value="yes" checked' in page
    )
    assert families.members(referral(referral_id))[0]["reminders"] is None


def test_only_staff_record_a_choice_and_an_unknown_member_is_a_404(client, runtime):
    referral_id = add_referral()

    as_referrer = post_form(
        client,
        f"/referrals/{referral_id}/family/0",
        {"family.0.reminders": "no"},
        {"Cookie": session_cookie("referrer")},
    )
    unknown = post_form(
        client,
        f"/referrals/{referral_id}/family/7",
        {"family.7.reminders": "no"},
        {"Cookie": session_cookie("supervisor")},
    )

    assert as_referrer.status_code == 403
    assert unknown.status_code == 404
