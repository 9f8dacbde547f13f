"""What suspending, closing and asking to end a case take as input (pure: no AWS)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.domain.case_status import (
    ClosingReason,
    Closure,
    EndRequestDecision,
    Suspension,
    closing_reason_words,
)
from chalicelib.domain.validation import field_errors


def paths(exc: ValidationError) -> list[str]:
    return [error["path"] for error in field_errors(exc)]


def test_other_needs_its_own_words_and_they_are_the_reason_read():
    with pytest.raises(ValidationError) as caught:
        Closure(reason="other", summary="Ended.")
    assert paths(caught.value) == ["other_reason"]
    closure = Closure(reason="other", other_reason="Family moved abroad", summary="Ended.")
    assert closure.reason_words == "Family moved abroad"


def test_words_for_other_are_dropped_with_a_listed_reason():
    closure = Closure(reason="family_disengaged", other_reason="ignored", summary="Ended.")
    assert closure.other_reason is None and closure.reason_words == "The family disengaged"


@pytest.mark.parametrize("reason", list(ClosingReason))
def test_every_closing_reason_reads_as_words(reason):
    assert closing_reason_words(reason.value, "Their words") != reason.value


def test_a_suspension_takes_an_optional_day_written_as_a_date_only():
    assert Suspension(reason="Police inquiry", resume_on="").resume_on is None
    with pytest.raises(ValidationError) as caught:
        Suspension(reason="Police inquiry", resume_on="1 March")
    assert paths(caught.value) == ["resume_on"]
    with pytest.raises(ValidationError):
        Suspension(reason="  ")


def test_closing_on_an_end_request_needs_a_summary_and_presets_referrer_withdrew():
    with pytest.raises(ValidationError) as caught:
        EndRequestDecision(decision="close")
    assert paths(caught.value) == ["summary"]
    closure = EndRequestDecision(decision="close", summary="Closed on request.").closure()
    assert closure.reason is ClosingReason.REFERRER_WITHDREW


def test_declining_an_end_request_needs_a_reason():
    with pytest.raises(ValidationError) as caught:
        EndRequestDecision(decision="decline", summary="not read")
    assert paths(caught.value) == ["decline_reason"]
