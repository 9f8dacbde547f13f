"""What the supervisor is told by email: that a referral under review was withdrawn, and that the
review after the referrer's answer is an answer, quoting the question."""

from __future__ import annotations

from tests.functional.test_referral_pages import post, referral_id, submit_form
from tests.helpers import (
    SUPERVISOR,
    api_referral_status,
    decide_from_email,
    emails_to,
    recorded,
    wait_for,
    wait_for_email,
)


def test_the_supervisor_is_told_when_a_referral_under_review_is_withdrawn(client, runtime, sam):
    # GIVEN a referral the supervisor has been asked to decide
    rid = referral_id(submit_form(client, sam))
    wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision")
    wait_for(lambda: api_referral_status(client, sam, rid) == "UNDER_REVIEW", what="under review")

    # WHEN the referrer withdraws it, giving a reason
    done = post(
        client, sam, f"/referrals/{rid}/withdraw", [("withdraw.confirmed", "yes"), ("withdraw.reason", "Moved away")]
    )
    assert done.status_code == 303

    # THEN the supervisor gets one email saying so, with the reason and nothing to do
    message = wait_for_email(runtime.outbox, SUPERVISOR, "Withdrawn")
    assert rid[:8] in message["text"] and "Maya, Leo" in message["subject"]
    assert "Their reason: Moved away" in message["text"]
    assert "What to do next: nothing" in message["text"]
    assert len(emails_to(runtime.outbox, SUPERVISOR, "Withdrawn")) == 1


def test_after_the_referrers_answer_the_review_email_says_it_is_an_answer_and_quotes_the_question(client, runtime, sam):
    # GIVEN the supervisor asked a question and the referrer answered it
    rid = referral_id(submit_form(client, sam))
    recorded(decide_from_email(client, runtime, "more_info", "Is the order's copy on file?"))
    wait_for(lambda: api_referral_status(client, sam, rid) == "MORE_INFO_REQUESTED", what="question asked")
    post(client, sam, f"/referrals/{rid}/answer", [("answer", "Yes, uploaded on 3 March.")])

    # WHEN the review asks the supervisor again
    message = wait_for_email(runtime.outbox, SUPERVISOR, "needs your decision", count=2)
    second = [m for m in emails_to(runtime.outbox, SUPERVISOR, "needs your decision") if "answered" in m["subject"]]

    # THEN that email says it is the referrer's answer and quotes the question and the answer
    assert second, [m["subject"] for m in emails_to(runtime.outbox, SUPERVISOR)]
    text = second[0]["text"]
    assert second[0]["subject"].startswith("The referrer answered your question")
    assert 'Your question: "Is the order\'s copy on file?"' in text
    assert 'Their answer: "Yes, uploaded on 3 March."' in text
    assert "A social worker has referred a family" not in text
    assert message  # the first request stays a new-referral email
    first = [m for m in emails_to(runtime.outbox, SUPERVISOR, "A new referral needs your decision")]
    assert len(first) == 1
