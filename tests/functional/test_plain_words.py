"""What people read says things in words: every page and email of a referral's whole path is
scanned for code-like tokens (UPPER_SNAKE or lower_snake words) and for library messages."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser

from tests.dates import example_referral
from tests.functional.test_hr_pages import TODAY, add_worker, days
from tests.functional.test_referral_pages import post, referral_id, submit_form
from tests.helpers import SAM, SUPERVISOR, approval_path, decide_from_email, recorded, wait_for, wait_for_email

CODE_LIKE = re.compile(r"\b(?:[A-Z]+(?:_[A-Z]+)+|[a-z]+(?:_[a-z]+)+)\b")
RAW_VALUES = ("supervised", "interim care order", "domestic abuse")


class VisibleText(HTMLParser):
    """The text a person sees: no scripts, styles or attribute values."""

    def __init__(self, body: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(self.parts)


def code_like_tokens(text: str) -> list[str]:
    """Code-like words in `text`, ignoring web addresses and email addresses."""
    text = re.sub(r"\S+@\S+|https?://\S+", " ", text)
    return CODE_LIKE.findall(text)


def test_code_like_tokens_are_found_and_ordinary_words_are_not():
    assert code_like_tokens("Status: UNDER_REVIEW, legal status interim_care_order") == [
        "UNDER_REVIEW",
        "interim_care_order",
    ]
    assert code_like_tokens("Under review. Mail sam.referrer@council.example or https://x.example/a_b") == []


def test_a_referrals_whole_path_reads_in_words(client, runtime, token, sam, supervisor):
    # GIVEN a referral with a flagged risk of each kind, submitted through the form
    body = copy.deepcopy(example_referral())
    body["risks"].update(other=True, details="A named relative may try to attend.")
    rid = referral_id(submit_form(client, sam, body))
    seen: dict[str, str] = {}

    def page(name: str, path: str, headers: dict | None = None) -> None:
        response = client.http.get(path, headers=headers or {})
        assert response.status_code == 200, (path, response.status_code)
        seen[name] = VisibleText(response.body.decode()).text

    page("list, referrer", "/referrals", sam)
    page("referral, referrer", f"/referrals/{rid}", sam)
    page("list, supervisor", "/referrals", supervisor)
    page("referral, supervisor", f"/referrals/{rid}", supervisor)
    page("decisions", "/decisions", supervisor)
    request = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    page("approval page", approval_path(request))

    # WHEN the supervisor asks a question, the referrer answers and the supervisor accepts
    recorded(decide_from_email(client, runtime, "more_info", "Is the order's copy on file?"))
    wait_for(lambda: "answer" in client.http.get(f"/referrals/{rid}", headers=sam).body.decode(), what="question")
    page("referral with a question", f"/referrals/{rid}", sam)
    post(client, sam, f"/referrals/{rid}/answer", [("answer", "Yes, uploaded on 3 March.")])
    recorded(decide_from_email(client, runtime, "accept", count=2))
    wait_for_email(runtime.outbox, SAM, "accepted")
    page("referral accepted", f"/referrals/{rid}", sam)
    page("list filtered", "/referrals?status=ACCEPTED", supervisor)
    page("audit log", f"/audit?kind=referral&id={rid}", {"Authorization": f"Bearer {token(role='admin')}"})
    for index, message in enumerate(runtime.outbox.messages()):
        seen[f"email {index}: {message['subject']}"] = (
            message["subject"] + " " + message["text"] + " " + VisibleText(message["html"]).text
        )

    # THEN no page or email shows a code, and none shows a raw lower-case value of a choice
    problems = {name: code_like_tokens(text) for name, text in seen.items() if code_like_tokens(text)}
    assert problems == {}
    assert "Is the order's copy on file?" in seen["referral with a question"]
    request_email = next(text for name, text in seen.items() if "needs your decision" in name)
    for text in (seen["approval page"], request_email):
        assert "Supervised contact, 1 session per week of 90 minutes" in text
        assert "Domestic abuse, Other" in text
    for name, text in seen.items():
        assert "@-sign" not in text, name


def test_the_clearance_register_its_forms_and_its_download_read_in_words(client, hr):
    # GIVEN a worker whose first aid certificate expired, one renewing and one with nothing recorded
    expired = add_worker("Gone Past", "gone@example.org", TODAY - days(2))
    add_worker("Soon Due", "soon@example.org", TODAY + days(20))
    add_worker("New Starter", "new@example.org", None, background=False)

    # WHEN HR opens the register, a clearance form and the download
    seen = {
        "register": VisibleText(client.http.get("/hr/clearances", headers=hr).body.decode()).text,
        "form": VisibleText(client.http.get(f"/hr/clearances/{expired}/first_aid", headers=hr).body.decode()).text,
    }
    download = client.http.get("/hr/clearances.csv", headers=hr).body.decode("utf-8-sig")

    # THEN no page and no cell of the download shows a code
    problems = {name: code_like_tokens(text) for name, text in seen.items() if code_like_tokens(text)}
    assert problems == {}
    assert code_like_tokens(download) == []
    header = download.splitlines()[0]
    assert header.startswith("Worker,Email,Compliance,Clearance,Required,Status,Issued on,Expires on")
    assert "First aid certificate" in download and "Background check" in download
