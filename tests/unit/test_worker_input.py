"""Unit tests for worker and clearance input: dates, per-kind fields, defaults."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from chalicelib.domain.clearances import ClearanceKind
from chalicelib.domain.validation import field_errors
from chalicelib.domain.workers import (
    ClearanceRecord,
    NewWorker,
    example_clearance,
    example_worker,
    kind_details,
    kind_problems,
)

TODAY = date(2026, 3, 1)


def errors(data: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        ClearanceRecord.model_validate(data, context={"today": TODAY})
    return {e["path"]: e["message"] for e in field_errors(caught.value)}


def test_examples_are_valid() -> None:
    NewWorker.model_validate(example_worker())
    record = ClearanceRecord.model_validate(example_clearance(), context={"today": TODAY})
    assert kind_problems(ClearanceKind.BACKGROUND_CHECK, record) == []


def test_a_worker_email_is_kept_in_lower_case_and_blank_phone_is_none() -> None:
    worker = NewWorker.model_validate({"name": " Casey Evans ", "email": "Casey@Example.ORG", "phone": " "})
    assert (worker.name, worker.email, worker.phone) == ("Casey Evans", "casey@example.org", None)


def test_blank_optional_dates_mean_not_given() -> None:
    record = ClearanceRecord.model_validate(
        {"issued_on": "2025-01-01", "expires_on": "", "renewal_applied_on": " "}, context={"today": TODAY}
    )
    assert (record.expires_on, record.renewal_applied_on) == (None, None)


def test_an_expiry_on_the_issue_date_is_refused() -> None:
    assert errors({"issued_on": "2025-01-01", "expires_on": "2025-01-01"}) == {
        "expires_on": "Must be after the issue date (issued_on)"
    }


def test_29_february_exists_only_in_leap_years() -> None:
    ClearanceRecord.model_validate({"issued_on": "2024-02-29"}, context={"today": TODAY})
    assert errors({"issued_on": "2025-02-29"})["issued_on"].startswith("Enter a real date as YYYY-MM-DD")


def test_verified_before_issue_is_refused() -> None:
    assert errors({"issued_on": "2025-01-10", "verified_on": "2025-01-09"}) == {
        "verified_on": "Must not be before the issue date (issued_on)"
    }


def test_a_certificate_issued_more_than_50_years_ago_is_a_typing_mistake() -> None:
    assert "within the last 50 years" in errors({"issued_on": "1970-01-01"})["issued_on"]


def test_kind_details_keep_only_the_kinds_own_fields_and_notes() -> None:
    record = ClearanceRecord.model_validate(
        {"issued_on": "2025-01-01", "provider": "Red Cross", "level": "Paediatric", "notes": "Seen"},
        context={"today": TODAY},
    )
    assert kind_details(ClearanceKind.FIRST_AID, record) == {
        "provider": "Red Cross",
        "level": "Paediatric",
        "notes": "Seen",
    }


def test_a_background_check_needs_its_type_and_number() -> None:
    record = ClearanceRecord.model_validate({"issued_on": "2025-01-01"}, context={"today": TODAY})
    assert kind_problems(ClearanceKind.BACKGROUND_CHECK, record) == [
        {"path": "check_type", "message": "Required for a background_check"},
        {"path": "certificate_number", "message": "Required for a background_check"},
    ]
