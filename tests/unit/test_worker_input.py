"""Unit tests for worker and clearance input: dates, per-kind fields, defaults."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from chalicelib.domain.clearance_records import (
    RECORD_MODELS,
    BackgroundCheckRecord,
    ClearanceRecord,
    DrivingLicenceRecord,
    FirstAidRecord,
    VehicleInsuranceRecord,
    record_model,
)
from chalicelib.domain.clearances import ClearanceKind
from chalicelib.domain.validation import field_errors
from chalicelib.domain.workers import NewWorker
from chalicelib.examples import example_clearance, example_worker

TODAY = date(2026, 3, 1)


def errors(data: dict, model: type[ClearanceRecord] = ClearanceRecord) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data, context={"today": TODAY})
    return {e["path"]: e["message"] for e in field_errors(caught.value)}


def test_examples_are_valid() -> None:
    NewWorker.model_validate(example_worker())
    BackgroundCheckRecord.model_validate(example_clearance(), context={"today": TODAY})


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
    record = FirstAidRecord.model_validate(
        {"issued_on": "2025-01-01", "provider": "Red Cross", "level": "Paediatric", "notes": "Seen"},
        context={"today": TODAY},
    )
    assert record.details() == {
        "provider": "Red Cross",
        "level": "Paediatric",
        "notes": "Seen",
    }


def test_a_background_check_needs_its_type_and_number() -> None:
    with pytest.raises(ValidationError) as caught:
        BackgroundCheckRecord.model_validate({"issued_on": "2025-01-01"}, context={"today": TODAY})
    assert field_errors(caught.value) == [
        {"path": "check_type", "message": "Required for the background check"},
        {"path": "certificate_number", "message": "Required for the background check"},
    ]


# -- one model per kind ----------------------------------------------------------------------------


def test_each_kind_has_its_own_model() -> None:
    assert set(RECORD_MODELS) == set(ClearanceKind)
    for kind in ClearanceKind:
        assert record_model(kind.value) is RECORD_MODELS[kind] and record_model(kind).kind is kind


def test_another_kinds_field_is_named_as_not_used_and_an_unknown_one_as_unknown() -> None:
    body = {"issued_on": "2024-05-01", "provider": "Red Cross", "level": "Basic", "insurer": "Northshire", "x": 1}
    assert errors(body, FirstAidRecord) == {
        "insurer": "Not used for the first aid certificate: leave it out",
        "x": "Unknown field",
    }


def test_a_blank_field_of_another_kind_is_not_given() -> None:
    body = {"issued_on": "2024-05-01", "provider": "Red Cross", "level": "Basic", "insurer": "", "check_type": None}
    assert FirstAidRecord.model_validate(body, context={"today": TODAY}).details() == {
        "provider": "Red Cross",
        "level": "Basic",
    }


def test_a_blank_required_field_is_missing_for_the_kind() -> None:
    body = {"issued_on": "2024-05-01", "provider": " ", "level": "Basic"}
    assert errors(body, FirstAidRecord) == {"provider": "Required for the first aid certificate"}


def test_a_missing_issue_date_is_required_whatever_the_kind() -> None:
    assert errors({"provider": "Red Cross", "level": "Basic"}, FirstAidRecord) == {
        "issued_on": "This field is required"
    }


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (DrivingLicenceRecord, {"issued_on": "2024-05-01", "licence_number": "EVANS803155C99XY"}),
        (VehicleInsuranceRecord, {"issued_on": "2024-05-01", "insurer": "Northshire", "policy_number": "NM-1"}),
    ],
)
def test_a_licence_or_insurance_needs_its_expiry_date(model, body) -> None:
    assert errors({**body, "expires_on": ""}, model) == {
        "expires_on": f"Required for the {model.kind.value.replace('_', ' ')}"
    }
    assert model.model_validate({**body, "expires_on": "2027-05-01"}, context={"today": TODAY}).expires_on == date(
        2027, 5, 1
    )


def test_format_errors_and_the_kinds_own_fields_come_together() -> None:
    body = {"issued_on": "2024-02-30", "certificate_number": "<script>", "insurer": "Northshire"}
    found = errors(body, FirstAidRecord)
    assert set(found) == {"issued_on", "certificate_number", "provider", "level", "insurer"}
    assert found["certificate_number"].startswith("Use letters, digits")
    assert found["provider"] == "Required for the first aid certificate"


def test_each_kind_names_the_fields_a_form_shows_and_requires() -> None:
    assert BackgroundCheckRecord.own_fields() == ("check_type", "certificate_number")
    assert FirstAidRecord.own_fields() == ("provider", "level", "certificate_number")
    assert FirstAidRecord.fields_required_by_kind() == ("provider", "level")
    assert "expires_on" in DrivingLicenceRecord.fields_required_by_kind()
    assert "expires_on" not in BackgroundCheckRecord.fields_required_by_kind()


def test_a_missing_kind_field_does_not_hide_the_date_rules() -> None:
    body = {"issued_on": "2024-05-01", "expires_on": "2024-01-01", "provider": "Red Cross", "level": ""}
    assert errors(body, FirstAidRecord) == {
        "level": "Required for the first aid certificate",
        "expires_on": "Must be after the issue date (issued_on)",
    }
