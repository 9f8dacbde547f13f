"""Staff record a family member's reminder choice through the API, with the same rules as the
case page's form: 200 with the choice, 422 naming the field (nothing changed), 403 for a role
other than supervisor or admin, 404 for a family member the referral does not have."""

from __future__ import annotations

import json

from tests.family_helpers import family_case


def put_choice(client, auth, referral_id: str, member: str, body: dict, role: str = "supervisor"):
    return client.http.put(
        f"/v1/referrals/{referral_id}/family-members/{member}/reminders",
        headers=auth(role),
        body=json.dumps(body),
    )


def recorded(referral_id: str):
    from chalicelib.storage.families import contact

    item = contact(referral_id, 0)
    return (item.reminders, item.preferred_channel) if item is not None else None


def test_staff_record_a_family_members_choice(client, auth):
    referral_id = family_case(channel="email")

    response = put_choice(client, auth, referral_id, "0", {"reminders": True, "preferred_channel": "text"}, "admin")

    assert response.status_code == 200, response.body
    assert response.json_body == {"member": 0, "reminders": True, "preferred_channel": "text"}
    assert recorded(referral_id) == (True, "text")


def test_a_choice_the_family_member_cannot_receive_is_a_422_at_the_field_and_changes_nothing(client, auth):
    from chalicelib.storage.referrals import Referral

    referral_id = family_case(channel="email")
    referral = Referral.get(referral_id)
    referral.submission["family_members"][0]["phone"] = None
    referral.save()

    no_phone = put_choice(client, auth, referral_id, "0", {"reminders": True, "preferred_channel": "text"})
    bad_channel = put_choice(client, auth, referral_id, "0", {"reminders": True, "preferred_channel": "pigeon"})

    assert no_phone.status_code == 422, no_phone.body
    assert bad_channel.status_code == 422, bad_channel.body
    paths = {e["path"] for e in bad_channel.json_body["error"]["fields"]}
    assert "preferred_channel" in paths
    assert no_phone.json_body["error"]["fields"] == [
        {"path": "phone", "message": "Give a mobile phone number to get reminders by text message"}
    ]
    assert recorded(referral_id) is None


def test_a_referrer_or_worker_may_not_record_a_choice(client, auth):
    referral_id = family_case(channel="email")

    for role in ("referrer", "worker"):
        response = put_choice(client, auth, referral_id, "0", {"reminders": False}, role)
        assert response.status_code == 403, (role, response.body)
    assert recorded(referral_id) is None


def test_a_family_member_the_referral_does_not_have_is_a_404(client, auth):
    referral_id = family_case(channel="email")

    for member in ("7", "x", "123"):
        assert put_choice(client, auth, referral_id, member, {"reminders": False}).status_code == 404, member
    assert put_choice(client, auth, "no-such-referral", "0", {"reminders": False}).status_code == 404
