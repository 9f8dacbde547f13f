"""The referrer's pages through the Chalice test client: the referral form, the list, one referral,
answering a question and withdrawing; and the carer's address kept out of every email."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, time
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from tests.dates import born, days_from_today, example_referral, iso_days_from_today, long_day, plan_day, plan_end
from tests.helpers import (
    ALEX,
    SAM,
    SUPERVISOR,
    api_referral_status,
    decide_from_email,
    recorded,
    shown_as,
    submit_referral,
    wait_for,
    wait_for_email,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
KEY = "6f1c2b1e-3d4a-4c5b-9e8f-0a1b2c3d4e5f"


# -- helpers ------------------------------------------------------------------------------------


class Html(HTMLParser):
    """The parts of a page the tests look at: elements with attributes, parents and text."""

    VOID = {"input", "br", "meta", "link", "img", "hr"}

    def __init__(self, body: bytes) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[int] = []
        self.feed(body.decode("utf-8"))

    def handle_starttag(self, tag, attrs):
        element = {
            "tag": tag,
            "attrs": {k: ("" if v is None else v) for k, v in attrs},
            "parent": self._open[-1] if self._open else None,
            "text": "",
        }
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(len(self.elements) - 1)

    def handle_endtag(self, tag):
        for position in range(len(self._open) - 1, -1, -1):
            if self.elements[self._open[position]]["tag"] == tag:
                del self._open[position:]
                return

    def handle_data(self, data):
        for index in self._open:
            self.elements[index]["text"] += data

    def find(self, tag: str | None = None, **attrs) -> list[dict]:
        return [
            e
            for e in self.elements
            if (tag is None or e["tag"] == tag) and all(e["attrs"].get(k) == v for k, v in attrs.items())
        ]

    def one(self, tag: str | None = None, **attrs) -> dict:
        found = self.find(tag, **attrs)
        assert len(found) == 1, f"expected one {tag} {attrs}, found {len(found)}"
        return found[0]

    def by_class(self, name: str) -> list[dict]:
        return [e for e in self.elements if name in e["attrs"].get("class", "").split()]

    def parent(self, element: dict) -> dict:
        return self.elements[element["parent"]]

    def value(self, name: str) -> str:
        """What the input, textarea or select called `name` shows."""
        element = self.one(name=name)
        if element["tag"] == "textarea":
            return element["text"]
        if element["tag"] == "select":
            index = self.elements.index(element)
            chosen = [
                e for e in self.elements if e["tag"] == "option" and e["parent"] == index and "selected" in e["attrs"]
            ]
            return chosen[0]["attrs"]["value"] if chosen else ""
        return element["attrs"].get("value", "")

    def checked(self, name: str) -> list[str]:
        return [e["attrs"]["value"] for e in self.find("input", name=name) if "checked" in e["attrs"]]

    def names(self) -> set[str]:
        return {e["attrs"]["name"] for e in self.elements if e["tag"] in ("input", "select", "textarea")}


def form_of(body: dict) -> list[tuple[str, str]]:
    """A referral as the form posts it: dotted and indexed names, ticked boxes as "on"."""
    pairs: list[tuple[str, str]] = []

    def walk(value, name):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{name}.{key}" if name else key)
        elif isinstance(value, list) and all(isinstance(item, dict) for item in value) and value:
            for index, item in enumerate(value):
                walk(item, f"{name}[{index}]")
        elif isinstance(value, list):
            pairs.extend((name, item) for item in value)
        elif name == "legal_basis.court_order":
            pairs.append((name, "yes" if value else "no"))
        elif isinstance(value, bool):
            if value:
                pairs.append((name, "on"))
        else:
            pairs.append((name, "" if value is None else str(value)))

    walk(body, "")
    return pairs


def as_browser_posts(page: Html) -> list[tuple[str, str]]:
    """The form's fields as a browser submits them (no button pressed)."""
    pairs = []
    for element in page.elements:
        attrs = element["attrs"]
        if "name" not in attrs or element["tag"] not in ("input", "select", "textarea"):
            continue
        kind = attrs.get("type", "text")
        if element["tag"] == "input" and kind in ("checkbox", "radio"):
            if "checked" in attrs:
                pairs.append((attrs["name"], attrs["value"]))
        elif element["tag"] == "input" and kind != "submit":
            pairs.append((attrs["name"], attrs.get("value", "")))
        elif element["tag"] != "input":
            pairs.append((attrs["name"], page.value(attrs["name"])))
    return pairs


def post(client, headers: dict, path: str, pairs: list[tuple[str, str]]):
    return client.http.post(path, headers={**headers, **FORM}, body=urlencode(pairs))


def with_(pairs: list[tuple[str, str]], **changes: str) -> list[tuple[str, str]]:
    """`pairs` with some values replaced: `with_(pairs, **{"contact.end_date": "2026-01-01"})`."""
    return [(name, changes.get(name, value)) for name, value in pairs]


def submit_form(client, headers, body: dict | None = None, key: str = KEY):
    pairs = form_of(body or example_referral())
    return post(client, headers, "/referrals/new", [("idempotency_key", key), ("action", "submit"), *pairs])


def followed(client, headers: dict, response):
    """The page a browser shows after `response`, a 303 to a draft's page (the fragment is the browser's)."""
    assert response.status_code == 303, response.body
    location = response.headers["Location"].partition("#")[0]
    assert re.fullmatch(r"/referrals/drafts/[0-9a-f]{32}(\?.*)?", location), location
    return client.http.get(location, headers=headers)


def referral_id(response) -> str:
    assert response.status_code == 303, response.body
    match = re.fullmatch(r"/referrals/([0-9a-f]{32})\?done=submitted", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


@pytest.fixture
def frozen_clock(monkeypatch):
    """`frozen_clock.at(hour)`: the service's clock stands still at that hour of a day last month
    (1 Nov 2026 when written)."""
    from chalicelib import clock

    day = days_from_today(-34)

    class Frozen:
        moment = datetime.combine(day, time(9), tzinfo=UTC)

        def at(self, hour: int) -> None:
            self.moment = datetime.combine(day, time(hour), tzinfo=UTC)

    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.moment)
    return frozen


# -- the form -----------------------------------------------------------------------------------


def test_form_needs_sign_in(client):
    response = client.http.get("/referrals/new")
    assert response.status_code == 303
    assert response.headers["Location"] == "/signin?next=/referrals/new"


def test_form_is_for_referrers_only(client, token):
    response = client.http.get("/referrals/new", headers={"Authorization": f"Bearer {token('hr')}"})
    assert response.status_code == 403


def test_new_form_prefills_the_referrer_and_offers_one_child_and_one_family_member(client, sam):
    response = client.http.get("/referrals/new", headers=sam)

    assert response.status_code == 200
    page = Html(response.body)
    assert page.value("referrer.name") == "Sam Okafor"
    assert page.value("referrer.email") == SAM
    assert page.value("referrer.phone") == ""
    assert len(page.find("input", name="children[0].first_name")) == 1
    assert page.find("input", name="children[1].first_name") == []
    assert len(page.find("input", name="family_members[0].name")) == 1
    assert page.find(name="action", value="remove_child:0") == []
    # A fresh idempotency key for this form.
    key = page.value("idempotency_key")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", key)
    assert key != Html(client.http.get("/referrals/new", headers=sam).body).value("idempotency_key")


def test_form_has_every_referral_field_and_a_label_for_each_input(client, sam):
    page = Html(client.http.get("/referrals/new", headers=sam).body)

    expected = {name for name, _ in form_of(example_referral())} - {"children[1].first_name"}
    expected = {re.sub(r"children\[1\]", "children[0]", name) for name in expected}
    expected |= {f"risks.{flag}" for flag in ("substance_misuse", "mental_health", "abduction_risk", "aggression")}
    expected |= {"risks.other", "children[0].interpreter_language", "family_members[0].interpreter_language"}
    assert expected <= page.names()
    assert "legal_basis.court_order" in page.names() and "consent_confirmed" in page.names()

    controls = [
        e
        for e in page.elements
        if e["tag"] in ("input", "select", "textarea") and e["attrs"].get("type") not in ("hidden", "submit")
    ]
    ids = [e["attrs"].get("id") for e in controls]
    assert None not in ids and len(ids) == len(set(ids)), "every input needs its own id"
    labelled = {e["attrs"].get("for") for e in page.find("label")}
    assert [i for i in ids if i not in labelled] == []
    # Each group of inputs sits in a fieldset with a legend.
    for section in ("referrer", "children", "family_members", "contact", "legal_basis", "risks", "consent"):
        fieldset = page.one("fieldset", id=section)
        index = page.elements.index(fieldset)
        assert any(e["tag"] == "legend" and e["parent"] == index for e in page.elements), section


def test_valid_form_creates_the_referral_and_redirects_to_it(client, sam):
    response = submit_form(client, sam)

    rid = referral_id(response)
    got = client.http.get(f"/v1/referrals/{rid}", headers=sam).json_body
    expected = example_referral()
    # The family member's phone in international form; the reminder questions left unanswered.
    expected["family_members"][0].update(phone="+447700900456", preferred_channel=None, reminders=None)
    assert got["submission"] == expected  # every field arrived, typed as the JSON API would have it
    page = client.http.get(response.headers["Location"], headers=sam)
    assert page.status_code == 200
    assert b"Your referral has been submitted" in page.body


def test_pressing_submit_twice_creates_one_referral(client, sam):
    first = submit_form(client, sam)
    second = submit_form(client, sam)

    assert referral_id(first) == referral_id(second)
    listed = client.http.get("/v1/referrals", headers=sam).json_body["referrals"]
    assert [r["id"] for r in listed] == [referral_id(first)]


def test_resubmitting_a_changed_form_with_the_same_key_keeps_the_typing_and_offers_a_new_key(client, sam):
    referral_id(submit_form(client, sam))
    changed = example_referral()
    changed["funding_reference"] = "PO-CHANGED"

    response = submit_form(client, sam, changed)

    assert response.status_code == 409
    page = Html(response.body)
    assert "already submitted once" in page.by_class("notice")[0]["text"]
    assert page.value("funding_reference") == "PO-CHANGED"
    assert page.value("idempotency_key") != KEY
    assert len(client.http.get("/v1/referrals", headers=sam).json_body["referrals"]) == 1


def test_errors_are_shown_beside_their_fields_and_everything_typed_is_kept(client, sam):
    # GIVEN a child born in the future and an end date before the start date
    body = example_referral()
    born = iso_days_from_today(30)
    before_start = plan_day(-10).isoformat()
    body["children"][1]["date_of_birth"] = born
    body["contact"]["end_date"] = before_start

    # WHEN the referrer submits
    response = submit_form(client, sam, body)

    # THEN the form comes back with 422 and nothing is created
    assert response.status_code == 422
    assert client.http.get("/v1/referrals", headers=sam).json_body["referrals"] == []
    page = Html(response.body)
    # ... a summary at the top links to each field
    summary = page.by_class("error-summary")[0]
    links = {a["attrs"]["href"]: a["text"] for a in page.find("a") if _inside(page, a, summary)}
    assert links == {
        "#children-1-date_of_birth": "Child 2: Date of birth: Date of birth cannot be in the future",
        "#contact-end_date": "End date: End date must be after the start date",
    }
    # ... each error sits beside its input, and the input points at it
    for field, message in (
        ("children-1-date_of_birth", "Date of birth cannot be in the future"),
        ("contact-end_date", "End date must be after the start date"),
    ):
        error = page.one("p", id=f"{field}-error")
        assert error["text"] == message
        control = page.one("input", id=field)
        assert page.parent(control) is page.parent(error)
        assert f"{field}-error" in control["attrs"]["aria-describedby"]
        assert control["attrs"]["aria-invalid"] == "true"
    # ... and every value is still there: text, dates, selects, radios, checkboxes, multi-choices
    assert page.value("children[1].date_of_birth") == born
    assert page.value("contact.end_date") == before_start
    assert page.value("children[0].first_name") == "Maya"
    assert page.value("children[0].needs_notes") == body["children"][0]["needs_notes"]
    assert page.value("children[1].legal_status") == "interim_care_order"
    assert page.value("contact.frequency.per") == "week"
    assert page.checked("contact.type") == ["supervised"]
    assert page.checked("contact.preferred_days") == ["tuesday", "thursday"]
    assert page.checked("legal_basis.court_order") == ["yes"]
    assert page.checked("risks.domestic_abuse") == ["on"]
    assert page.checked("risks.aggression") == []
    assert page.checked("risks.confidential_address") == ["on"]
    assert page.checked("consent_confirmed") == ["on"]
    assert page.value("risks.carer_address") == body["risks"]["carer_address"]
    assert page.value("idempotency_key") == KEY


def _inside(page: Html, element: dict, container: dict) -> bool:
    target = page.elements.index(container)
    index = element["parent"]
    while index is not None:
        if index == target:
            return True
        index = page.elements[index]["parent"]
    return False


def test_the_form_posted_blank_reports_each_required_field_as_required(client, sam):
    # GIVEN the new form, sent back as a browser would without typing anything
    pairs = as_browser_posts(Html(client.http.get("/referrals/new", headers=sam).body))

    response = post(client, sam, "/referrals/new", [*pairs, ("action", "submit")])

    assert response.status_code == 422
    page = Html(response.body)
    for field in (
        "referrer-phone",
        "referrer-organisation",
        "children-0-first_name",
        "children-0-date_of_birth",
        "children-0-legal_status",
        "family_members-0-name",
        "contact-type",
        "contact-frequency-sessions",
        "contact-start_date",
        "legal_basis-court_order",
    ):
        assert page.one("p", id=f"{field}-error")["text"] == "This field is required", field
    assert page.one("p", id="consent_confirmed-error")["text"] == (
        "Consent and the legal basis for this referral must be confirmed"
    )
    # Optional fields left blank are not errors.
    assert page.find("p", id="referrer-team-error") == []
    assert page.find("p", id="contact-end_date-error") == []
    assert page.value("referrer.name") == "Sam Okafor"


def test_family_member_without_phone_or_email_is_told_to_give_one(client, sam):
    body = example_referral()
    body["family_members"][0].update(phone=None, email=None)

    response = submit_form(client, sam, body)

    assert response.status_code == 422
    page = Html(response.body)
    assert page.one("p", id="family_members-0-phone-error")["text"] == "Give a phone number or an email address"


def test_add_a_child_keeps_everything_typed_and_submits_nothing(client, sam):
    pairs = form_of(example_referral())

    posted = post(client, sam, "/referrals/new", [("idempotency_key", KEY), ("action", "add_child"), *pairs])

    assert posted.headers["Location"].endswith("#children-2-first_name")
    response = followed(client, sam, posted)
    assert response.status_code == 200
    page = Html(response.body)
    assert page.by_class("error-summary") == []
    assert page.value("children[0].first_name") == "Maya"
    assert page.value("children[1].first_name") == "Leo"
    assert page.value("children[2].first_name") == ""
    assert "autofocus" in page.one("input", name="children[2].first_name")["attrs"]
    assert page.checked("contact.preferred_days") == ["tuesday", "thursday"]
    assert page.checked("risks.domestic_abuse") == ["on"]
    assert page.value("idempotency_key") == KEY
    assert {"remove_child:0", "remove_child:1", "remove_child:2"} <= {
        e["attrs"]["value"] for e in page.find("button", name="action")
    }
    assert client.http.get("/v1/referrals", headers=sam).json_body["referrals"] == []


def test_remove_a_child_keeps_the_others_and_renumbers_them(client, sam):
    body = example_referral()
    body["children"].append({**body["children"][0], "first_name": "Zara", "needs_notes": "Third child"})
    pairs = form_of(body)

    posted = post(client, sam, "/referrals/new", [("idempotency_key", KEY), ("action", "remove_child:1"), *pairs])

    response = followed(client, sam, posted)
    assert response.status_code == 200
    page = Html(response.body)
    assert page.value("children[0].first_name") == "Maya"
    assert page.value("children[1].first_name") == "Zara"
    assert page.value("children[1].needs_notes") == "Third child"
    assert page.find(name="children[2].first_name") == []
    assert page.value("family_members[0].name") == "Danielle Robinson"


def test_the_only_child_or_family_member_cannot_be_removed(client, sam):
    body = example_referral()
    body["children"] = body["children"][:1]
    pairs = form_of(body)

    posted = post(client, sam, "/referrals/new", [("idempotency_key", KEY), ("action", "remove_child:0"), *pairs])

    response = followed(client, sam, posted)
    assert response.status_code == 200
    assert Html(response.body).value("children[0].first_name") == "Maya"


def test_add_and_remove_a_family_member(client, sam):
    pairs = [("idempotency_key", KEY), *form_of(example_referral())]
    added = Html(
        followed(client, sam, post(client, sam, "/referrals/new", [*pairs, ("action", "add_family_member")])).body
    )
    assert added.value("family_members[1].name") == ""
    assert added.value("family_members[0].name") == "Danielle Robinson"

    with_two = [*pairs, ("family_members[1].name", "Grace Robinson"), ("family_members[1].relationship", "Aunt")]
    removed_from_new = post(client, sam, "/referrals/new", [*with_two, ("action", "remove_family_member:0")])
    removed = Html(followed(client, sam, removed_from_new).body)

    assert removed.value("family_members[0].name") == "Grace Robinson"
    assert removed.find(name="family_members[1].name") == []


def test_no_more_than_ten_children_can_be_added(client, sam):
    body = example_referral()
    body["children"] = [dict(body["children"][0], first_name=f"Child{i}") for i in range(10)]

    posted = post(client, sam, "/referrals/new", [("idempotency_key", KEY), ("action", "add_child"), *form_of(body)])

    page = Html(followed(client, sam, posted).body)
    assert page.find(name="children[10].first_name") == []
    assert page.find("button", value="add_child") == []


@pytest.mark.parametrize(
    "pairs",
    [
        [("children[x].first_name", "Maya")],
        [("children", "Maya"), ("children[0].first_name", "Leo")],
        [("referrer", "Sam")],
        [("contact", "weekly")],
        [("contact.frequency", "weekly")],
        [("children[0]", "Maya")],
        [("action", "explode")],
        [("action", "remove_child:first")],
        [("action", "remove_child:²")],
        [("action", "remove_child:٠")],
    ],
    ids=[
        "bad-index",
        "list-and-value",
        "section-as-value",
        "contact-as-value",
        "frequency-as-value",
        "child-as-value",
        "unknown-action",
        "bad-remove",
        "superscript-index",
        "arabic-indic-index",
    ],
)
def test_a_form_our_page_never_sends_is_400(client, sam, pairs):
    response = post(client, sam, "/referrals/new", [("idempotency_key", KEY), *pairs])

    assert response.status_code == 400
    assert b"Reload the form" in response.body


def test_a_form_over_the_size_limit_is_413(client, sam):
    pairs = [("idempotency_key", KEY), ("action", "submit"), ("risks.details", "x" * (257 * 1024))]

    response = post(client, sam, "/referrals/new", pairs)

    assert response.status_code == 413


def test_text_over_its_limit_is_an_error_beside_the_field(client, sam):
    body = example_referral()
    body["children"][0]["first_name"] = "M" * 101

    response = submit_form(client, sam, body)

    assert response.status_code == 422
    assert Html(response.body).one("p", id="children-0-first_name-error")["text"] == "Must be at most 100 characters"


# -- the list -----------------------------------------------------------------------------------


def test_list_shows_a_referrer_only_their_own_referrals(client, sam, alex):
    mine = referral_id(submit_form(client, sam))
    other = example_referral()
    other["children"] = [dict(other["children"][0], first_name="Noah", last_name="Ahmed")]
    theirs = referral_id(submit_form(client, alex, other, key="0f1c2b1e-3d4a-4c5b-9e8f-0a1b2c3d4e5f"))

    page = Html(client.http.get("/referrals", headers=sam).body)

    hrefs = {a["attrs"]["href"] for a in page.find("a")}
    assert f"/referrals/{mine}" in hrefs
    assert f"/referrals/{theirs}" not in hrefs
    row_link = page.one("a", href=f"/referrals/{mine}")
    assert row_link["text"] == "Maya Robinson, Leo Robinson"


def test_supervisor_list_shows_everyones_referrals_with_the_referrer(client, sam, alex, supervisor):
    mine = referral_id(submit_form(client, sam))
    theirs = referral_id(submit_form(client, alex, key="0f1c2b1e-3d4a-4c5b-9e8f-0a1b2c3d4e5f"))

    response = client.http.get("/referrals", headers=supervisor)

    assert response.status_code == 200
    page = Html(response.body)
    hrefs = {a["attrs"]["href"] for a in page.find("a")}
    assert {f"/referrals/{mine}", f"/referrals/{theirs}"} <= hrefs
    cells = [e["text"] for e in page.find("td")]
    assert SAM in cells and ALEX in cells


def test_list_filters_by_status_and_shows_the_status_as_a_badge(client, sam):
    kept = referral_id(submit_form(client, sam))
    dropped = referral_id(submit_form(client, sam, key="1f1c2b1e-3d4a-4c5b-9e8f-0a1b2c3d4e5f"))
    withdrawn = post(client, sam, f"/referrals/{dropped}/withdraw", [("withdraw.confirmed", "yes")])
    assert withdrawn.status_code == 303

    page = Html(client.http.get("/referrals?status=WITHDRAWN", headers=sam).body)

    hrefs = {a["attrs"]["href"] for a in page.find("a")}
    assert f"/referrals/{dropped}" in hrefs and f"/referrals/{kept}" not in hrefs
    badge = page.one("span", **{"data-status": "WITHDRAWN"})
    assert badge["text"] == "Withdrawn"
    assert "status-grey" in badge["attrs"]["class"]
    assert page.value("status") == "WITHDRAWN"


def test_list_with_an_unknown_status_or_sort_is_400(client, sam):
    assert client.http.get("/referrals?status=LOST", headers=sam).status_code == 400
    assert client.http.get("/referrals?sort=name", headers=sam).status_code == 400
    assert client.http.get("/referrals?order=sideways", headers=sam).status_code == 400


def test_list_sorts_by_submitted_or_updated_date(client, runtime, sam, frozen_clock):
    # GIVEN referral A submitted at 09:00 and B at 10:00, both under review
    frozen_clock.at(9)
    first = referral_id(submit_form(client, sam))
    frozen_clock.at(10)
    second = referral_id(submit_form(client, sam, key="2f1c2b1e-3d4a-4c5b-9e8f-0a1b2c3d4e5f"))
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision", count=2)
    # ... and A withdrawn at 12:00, so A was updated last
    frozen_clock.at(12)
    assert post(client, sam, f"/referrals/{first}/withdraw", [("withdraw.confirmed", "yes")]).status_code == 303

    def order(query: str) -> list[str]:
        page = Html(client.http.get(f"/referrals{query}", headers=sam).body)
        return [a["attrs"]["href"].rsplit("/", 1)[1] for a in page.find("a") if _is_row_link(a)]

    assert order("") == [second, first]
    assert order("?sort=submitted&order=asc") == [first, second]
    assert order("?sort=updated&order=desc") == [first, second]
    assert order("?sort=updated&order=asc") == [second, first]


def _is_row_link(anchor: dict) -> bool:
    return bool(re.fullmatch(r"/referrals/[0-9a-f]{32}", anchor["attrs"].get("href", "")))


# -- one referral -------------------------------------------------------------------------------


def test_referral_page_shows_everything_submitted_and_the_status_history(client, sam):
    rid = referral_id(submit_form(client, sam))

    response = client.http.get(f"/referrals/{rid}", headers=sam)

    assert response.status_code == 200
    page = Html(response.body)
    text = response.body.decode()
    for shown in (
        "Amara Okafor",
        "Children in Care Team 2",
        long_day(born()),
        "Interim care order",
        "Foster care",
        "Asthma; carries an inhaler.",
        "Danielle Robinson",
        "Must not be told the foster carers&#39; address",
        "Tuesday, Thursday",
        "After school, 16:00-18:00",
        "Foster carer, Ms Jones",
        "Foster carer, Ms Jones, or her husband Mr Jones",
        long_day(plan_end()),
        "NS26C00412",
        "Northshire Family Court",
        "Historic domestic abuse",
        "12 Elm Row, Northtown NT1 2AB",
        "PO-2026-0457",
    ):
        assert shown in text, shown
    history = [[cell["text"].strip() for cell in page.find("td") if page.parent(cell) is row] for row in _rows(page)]
    # The form submits with its idempotency key: the history names the referrer all the same.
    assert history[0][1:4] == [shown_as(SAM), "—", "Submitted"]
    # The owner may withdraw while it awaits a decision; there is no question to answer.
    assert page.find("form", action=f"/referrals/{rid}/withdraw")
    assert page.find("form", action=f"/referrals/{rid}/answer") == []


def test_who_brings_and_collects_the_child_is_in_the_referrals_json_and_on_its_page(client, sam):
    # GIVEN a referral sent through the API saying who brings and who collects the child
    body = example_referral()
    body["contact"]["brought_by"] = "Grandmother, Mrs Ali"
    body["contact"]["collected_by"] = "Foster carer, Ms Jones"
    sent = submit_referral(client, {**sam, "Content-Type": "application/json"}, body)
    assert sent.status_code == 201, sent.body
    rid = sent.json_body["id"]

    # WHEN its JSON and its page are read
    contact = client.http.get(f"/v1/referrals/{rid}", headers=sam).json_body["submission"]["contact"]
    page = Html(client.http.get(f"/referrals/{rid}", headers=sam).body)

    # THEN both say who brings and who collects the child
    assert (contact["brought_by"], contact["collected_by"]) == ("Grandmother, Mrs Ali", "Foster carer, Ms Jones")
    rows = dict(zip((e["text"] for e in page.find("dt")), (e["text"] for e in page.find("dd")), strict=True))
    assert rows["Who brings the child"] == "Grandmother, Mrs Ali"
    assert rows["Who collects the child"] == "Foster carer, Ms Jones"


def test_a_referral_without_who_brings_and_collects_the_child_says_not_given(client, sam):
    # GIVEN a referral that does not say who brings or collects the child
    body = example_referral()
    del body["contact"]["brought_by"], body["contact"]["collected_by"]
    sent = submit_referral(client, {**sam, "Content-Type": "application/json"}, body)
    assert sent.status_code == 201, sent.body

    # WHEN its JSON and page are read THEN the JSON has them as null and the page says "Not given"
    contact = client.http.get(f"/v1/referrals/{sent.json_body['id']}", headers=sam).json_body["submission"]["contact"]
    assert (contact["brought_by"], contact["collected_by"]) == (None, None)
    page = Html(client.http.get(f"/referrals/{sent.json_body['id']}", headers=sam).body)
    labels = [e["text"] for e in page.find("dt")]
    given = [e["text"].strip() for e in page.find("dd")]
    assert given[labels.index("Who brings the child")] == "Not given"
    assert given[labels.index("Who collects the child")] == "Not given"


def _rows(page: Html) -> list[dict]:
    """The rows of the page's tables but the timeline's (the status history's, here)."""
    timelines = [page.elements.index(t) for t in page.find("table") if "data-timeline" in t["attrs"]]
    bodies = [page.elements.index(b) for b in page.find("tbody") if b["parent"] not in timelines]
    return [e for e in page.elements if e["tag"] == "tr" and e["parent"] in bodies]


def test_another_referrer_gets_403_on_someone_elses_referral(client, sam, alex):
    rid = referral_id(submit_form(client, sam))

    assert client.http.get(f"/referrals/{rid}", headers=alex).status_code == 403
    withdraw = post(client, alex, f"/referrals/{rid}/withdraw", [("withdraw.confirmed", "yes")])
    assert withdraw.status_code == 403
    answer = post(client, alex, f"/referrals/{rid}/answer", [("answer", "Not mine")])
    assert answer.status_code == 403
    assert api_referral_status(client, sam, rid) != "WITHDRAWN"


def test_supervisor_reads_any_referral_but_is_offered_no_referrer_actions(client, sam, supervisor):
    rid = referral_id(submit_form(client, sam))

    response = client.http.get(f"/referrals/{rid}", headers=supervisor)

    assert response.status_code == 200
    assert b"12 Elm Row" in response.body
    assert b"/withdraw" not in response.body


def test_unknown_or_malformed_referral_id_is_404_and_signed_out_visitors_are_sent_to_sign_in(client, sam):
    # A referrer gets the same 403 for an unknown id as for someone else's referral: no probing.
    assert client.http.get("/referrals/" + "0" * 32, headers=sam).status_code == 403
    assert client.http.get("/referrals/" + "x" * 300, headers=sam).status_code == 404
    signed_out = client.http.get("/referrals/" + "0" * 32)
    assert signed_out.status_code == 303
    assert signed_out.headers["Location"].startswith("/signin?next=/referrals/")


def test_withdraw_needs_the_confirmation_box_and_keeps_the_reason_typed(client, sam):
    rid = referral_id(submit_form(client, sam))

    response = post(client, sam, f"/referrals/{rid}/withdraw", [("withdraw.reason", "Family moved away")])

    assert response.status_code == 422
    page = Html(response.body)
    error = page.one("p", id="withdraw-confirmed-error")
    assert error["text"] == "Tick the box to confirm that you want to withdraw this referral"
    assert page.parent(error) is page.parent(page.parent(page.one("input", id="withdraw-confirmed")))
    assert page.value("withdraw.reason") == "Family moved away"
    assert api_referral_status(client, sam, rid) != "WITHDRAWN"


def test_withdraw_with_confirmation_records_who_when_and_why(client, sam):
    rid = referral_id(submit_form(client, sam))

    response = post(
        client, sam, f"/referrals/{rid}/withdraw", [("withdraw.confirmed", "yes"), ("withdraw.reason", "Moved away")]
    )

    assert response.status_code == 303
    assert response.headers["Location"] == f"/referrals/{rid}?done=withdrawn"
    page = Html(client.http.get(response.headers["Location"], headers=sam).body)
    assert page.one("span", **{"data-status": "WITHDRAWN"})["text"] == "Withdrawn"
    last = [cell["text"].strip() for cell in page.find("td") if page.parent(cell) is _rows(page)[-1]]
    assert last[1] == "Sam Okafor, Social worker" and last[3] == "Withdrawn" and last[4] == "Moved away"
    assert page.find("form", action=f"/referrals/{rid}/withdraw") == []
    assert "has been withdrawn" in page.by_class("notice")[0]["text"]
    # A second withdrawal is a clear conflict, not a crash.
    again = post(client, sam, f"/referrals/{rid}/withdraw", [("withdraw.confirmed", "yes")])
    assert again.status_code == 409
    assert b"already withdrawn" in again.body


# -- a question answered, and the carer's address in no email ------------------------------------


def test_question_answered_on_the_page_and_the_carers_address_is_in_no_email(client, runtime, sam):
    # GIVEN a referral with a confidential carer's address, submitted through the form
    body = copy.deepcopy(example_referral())
    address = "Flat 3, 27 Juniper Close, Eastbrook EB4 9QT"
    body["risks"].update(confidential_address=True, carer_address=address)
    rid = referral_id(submit_form(client, sam, body))

    # WHEN the supervisor asks a question from the emailed link
    recorded(decide_from_email(client, runtime, "more_info", "Is the order's copy on file?"))
    wait_for_email(runtime.outbox, SAM, "More information needed")
    wait_for(lambda: api_referral_status(client, sam, rid) == "MORE_INFO_REQUESTED", what="more info requested")

    # THEN the owner's page shows the question, the answer form and the address
    page = client.http.get(f"/referrals/{rid}", headers=sam)
    assert b"Is the order&#39;s copy on file?" in page.body
    assert address in page.body.decode()
    assert Html(page.body).find("form", action=f"/referrals/{rid}/answer")

    # WHEN the referrer sends an empty answer, then a real one
    empty = post(client, sam, f"/referrals/{rid}/answer", [("answer", "   ")])
    assert empty.status_code == 422
    assert Html(empty.body).one("p", id="answer-error")["text"] == "This field cannot be empty"
    answered = post(client, sam, f"/referrals/{rid}/answer", [("answer", "Yes, uploaded on 3 March.")])
    assert answered.status_code == 303
    assert answered.headers["Location"] == f"/referrals/{rid}?done=answered"
    shown = Html(client.http.get(f"/referrals/{rid}", headers=sam).body)
    assert any(e["text"].startswith("Yes, uploaded on 3 March.") for e in shown.find("dd"))
    assert shown.find("form", action=f"/referrals/{rid}/answer") == []

    # ... and the supervisor accepts from the fresh link
    recorded(decide_from_email(client, runtime, "accept", count=2))
    wait_for_email(runtime.outbox, SAM, "accepted")

    # THEN every email went out, and none carries the address or any part of it
    messages = runtime.outbox.messages()
    assert len(messages) >= 4
    for message in messages:
        for part in (message["subject"], message["text"], message["html"]):
            assert address not in part
            assert "Juniper Close" not in part and "EB4 9QT" not in part


def test_answer_when_no_question_is_open_is_a_clear_conflict(client, sam):
    rid = referral_id(submit_form(client, sam))

    response = post(client, sam, f"/referrals/{rid}/answer", [("answer", "Unasked")])

    assert response.status_code == 409
    assert b"there is no question to answer" in response.body


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("referrer.phone", "Your work phone"),
        ("children[1].last_name", "Child 2: Last name"),
        ("children[0]", "Child 1"),
        ("children", "Children"),
        ("family_members[2].phone", "Family member 3: Phone"),
        ("contact.preferred_days", "Preferred days"),
        ("risks.other", "Risk: Other (describe below)"),
        ("something.new", "Something new"),
    ],
)
def test_error_summary_names_inputs_as_the_form_does(path, label):
    from chalicelib.web.referral_views import field_label

    assert field_label(path) == label


def test_a_form_posted_from_another_website_is_refused_and_changes_nothing(client, auth, runtime):
    # GIVEN a referrer signed in with the session cookie
    from tests.dates import example_referral
    from tests.helpers import submit_referral

    referral_id = submit_referral(client, auth("referrer"), example_referral()).json_body["id"]
    headers = {
        "Authorization": auth("referrer")["Authorization"],
        "Content-Type": "application/x-www-form-urlencoded",
        "Origin": "https://evil.example",
    }
    # WHEN another site makes the browser post the withdrawal form
    response = client.http.post(f"/referrals/{referral_id}/withdraw", headers=headers, body="withdraw.confirmed=yes")
    # THEN it is refused and the referral is untouched
    assert response.status_code == 403
    assert b"another website" in response.body
    status = client.http.get(f"/v1/referrals/{referral_id}", headers=auth("referrer")).json_body["status"]
    assert status != "WITHDRAWN"
