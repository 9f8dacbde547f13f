"""The output types OpenAPI documents success bodies with: tight enough to catch a wrong shape, and
real types that routes name (never a string) and that load no pydantic until a schema is built."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.services.outputs import Report, SubmittedReport, Visit, WorkerList, adapter
from chalicelib.web.http import ROUTES
from tests.helpers import json_printed_by


def _visit(**changes) -> dict:
    visit = {
        "id": "845b200caac74f19b6fde8b768934442",
        "referral_id": "91ac63c475ee4397a7124f80421d37c1",
        "worker_id": "aa93a77b279c451c8dfe4e8eb23d385d",
        "series_id": None,
        "status": "SCHEDULED",
        "status_label": "Scheduled",
        "date": "2027-01-12",
        "start": "2027-01-12T16:00",
        "end": "2027-01-12T17:30",
        "starts_at": "2027-01-12T16:00:00+00:00",
        "ends_at": "2027-01-12T17:30:00+00:00",
        "zone": "Europe/London",
        "venue": "Northshire Family Centre, Room 2",
        "participants": {"children": [0, 1], "family_members": [0], "labels": ["Maya", "Leo", "Mother"]},
        "outside_plan": False,
        "at_risk": False,
        "at_risk_reason": None,
        "confidential_address": False,
        "cancellation": None,
        "report_needed": False,
        "version": 1,
    }
    return {**visit, **changes}


def test_a_visit_as_the_api_answers_it_matches_its_model():
    adapter(Visit).validate_python(_visit())


def test_a_visit_redacted_for_a_referrer_has_null_venue_and_times():
    adapter(Visit).validate_python(_visit(start=None, end=None, starts_at=None, ends_at=None, venue=None))


@pytest.mark.parametrize(
    "wrong",
    [
        {"status": "BOOKED"},  # not a visit status
        {"version": "one"},
        {"participants": {"children": [0]}},  # labels and family members are always given
        {"surname": "Evans"},  # no key beyond the documented ones
    ],
)
def test_a_visit_of_another_shape_is_refused(wrong):
    with pytest.raises(ValidationError):
        adapter(Visit).validate_python(_visit(**wrong))


def test_a_visit_without_a_documented_key_is_refused():
    body = _visit()
    del body["at_risk"]
    with pytest.raises(ValidationError):
        adapter(Visit).validate_python(body)


def test_a_report_for_the_referrer_leaves_out_the_draft_and_history():
    adapter(Report).validate_python(
        {
            "visit_id": "v1",
            "referral_id": "r1",
            "worker_name": "Casey Evans",
            "status": "APPROVED",
            "status_label": "Approved",
            "participants": {"child-0": "Maya"},
            "approved": {
                "version": 1,
                "sha256": "a" * 64,
                "by": "supervisor@example.org",
                "by_name": "Priya Shah",
                "by_role": "supervisor",
                "at": "2027-01-13T09:00:00",
            },
            "versions": [],
        }
    )


def test_a_submitted_report_carries_a_sha256_of_its_content():
    submitted = {
        "visit_id": "v1",
        "status": "SUBMITTED",
        "status_label": "Submitted",
        "version": 1,
        "sha256": "0" * 64,
        "submitted_at": "2027-01-13T09:00:00+00:00",
    }
    adapter(SubmittedReport).validate_python(submitted)
    with pytest.raises(ValidationError):
        adapter(SubmittedReport).validate_python({**submitted, "sha256": "not a hash"})


def test_a_worker_list_names_its_next_page_or_null():
    adapter(WorkerList).validate_python({"workers": [], "next_cursor": None, "as_of": "2027-01-12"})
    with pytest.raises(ValidationError):
        adapter(WorkerList).validate_python({"workers": [], "as_of": "2027-01-12"})


def test_every_json_v1_route_names_an_output_model_and_every_file_route_none():
    import app  # noqa: F401 - registers the routes

    for spec in ROUTES:
        if not spec.path.startswith("/v1"):
            continue
        if spec.produces == "application/json":
            assert spec.response is not None, f"{spec.method} {spec.path} documents no success body"
        else:
            assert spec.response is None, f"{spec.method} {spec.path} answers a file, not JSON"


def test_every_route_names_its_output_type_itself_and_each_type_describes_itself():
    import app  # noqa: F401 - registers the routes

    named = [spec for spec in ROUTES if spec.response is not None]
    assert named
    for spec in named:
        assert isinstance(spec.response, type), f"{spec.method} {spec.path} names {spec.response!r}, not a type"
        assert adapter(spec.response).json_schema(mode="serialization")["additionalProperties"] is False


def test_the_app_and_its_output_types_load_without_pydantic():
    loaded = json_printed_by(
        "import json, sys\nimport app\nfrom chalicelib.services import outputs\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic')))",
        "prod",
    )
    assert loaded == []
