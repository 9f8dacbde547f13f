"""Demo referrals for a fresh local start: one waiting for the supervisor's decision."""

from __future__ import annotations

from chalicelib import clock
from chalicelib.auth import Principal, Role
from chalicelib.domain.referral_form import ReferralSubmission
from chalicelib.examples import example_referral
from local.directory import for_role


def seed_demo_referrals() -> int:
    """Submitted through the real use case, so its review workflow starts and emails the supervisor."""
    from chalicelib.services import referrals

    user = for_role("referrer")[0]
    referrer = Principal(user.user_id, user.email, user.name, frozenset({Role.REFERRER}))
    body = example_referral(clock.today())
    body["referrer"].update(name=user.name, email=user.email)
    submission = ReferralSubmission.model_validate(body, context={"today": clock.today()})
    referrals.submit(referrer, submission, idempotency_key="demo-referral-1")
    return 1
