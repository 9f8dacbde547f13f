"""The HTTP ground rules every route shares: health, OpenAPI, authentication, roles, error shape."""

from __future__ import annotations

import json

import pytest


def test_health_answers_ok(client):
    response = client.http.get("/health")
    assert response.status_code == 200
    assert response.json_body == {"status": "ok"}


def test_v1_call_without_token_is_401_with_standard_error_body(client):
    response = client.http.get("/v1/audit")
    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "unauthorized"
    assert "Bearer" in response.json_body["error"]["message"]


def test_v1_call_with_forged_token_is_401(client):
    response = client.http.get("/v1/audit", headers={"Authorization": "Bearer not.a.token"})
    assert response.status_code == 401
    assert response.json_body["error"]["message"] == "The bearer token is not valid."


def test_v1_call_with_wrong_role_is_403_with_standard_error_body(client, auth):
    response = client.http.get("/v1/audit", headers=auth("hr"))
    assert response.status_code == 403
    assert response.json_body["error"]["code"] == "forbidden"
    assert "admin" in response.json_body["error"]["message"]


def test_admin_reads_the_audit_log(client, auth):
    response = client.http.get("/v1/audit", headers=auth("admin"))
    assert response.status_code == 200
    assert response.json_body == {"events": [], "next_cursor": None}


def test_audit_filter_with_entity_but_no_id_is_400(client, auth):
    response = client.http.get("/v1/audit?entity=referral", headers=auth("admin"))
    assert response.status_code == 400
    assert "id" in response.json_body["error"]["message"]


def test_dev_token_for_unknown_email_is_422_naming_the_field(client):
    response = client.http.post(
        "/dev/token", headers={"Content-Type": "application/json"}, body=json.dumps({"email": "nobody@example.org"})
    )
    assert response.status_code == 422
    assert response.json_body["error"]["fields"][0]["path"] == "email"


def test_dev_token_body_that_is_not_json_is_400(client):
    response = client.http.post("/dev/token", headers={"Content-Type": "application/json"}, body="{role: hr")
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "bad_request"


def test_dev_token_with_wrong_content_type_is_415(client):
    response = client.http.post("/dev/token", headers={"Content-Type": "text/plain"}, body="role=hr")
    assert response.status_code == 415
    assert "application/json" in response.json_body["error"]["message"]


def test_openapi_document_is_valid_and_lists_every_v1_route(client):
    from openapi_spec_validator import validate

    from app import app

    document = client.http.get("/openapi.json").json_body
    validate(document)
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    routed = {(path, method) for path, entries in app.routes.items() if path.startswith("/v1") for method in entries}
    assert documented == routed


def test_every_openapi_request_body_has_a_valid_example(client):
    from chalicelib.web.http import ROUTES

    for spec in ROUTES:
        if spec.path.startswith("/v1") and spec.body_model is not None:
            assert spec.example is not None, f"{spec.method} {spec.path} has no example"
            spec.body_model.model_validate(spec.example)


def test_every_request_example_matches_its_documented_schema_formats_included(client):
    """A client (or a fuzzer) that follows the document sends what the example shows: a local visit
    time documented as an RFC 3339 "date-time" demanded an offset, which the API refuses."""
    from jsonschema import Draft202012Validator

    document = client.http.get("/openapi.json").json_body
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation:
                continue
            media = operation["requestBody"]["content"]["application/json"]
            schema = {**media["schema"], "components": document["components"]}
            validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
            problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(media["example"])]
            assert not problems, f"{method.upper()} {path}: {problems}"


def test_local_visit_times_are_documented_without_an_offset(client):
    document = client.http.get("/openapi.json").json_body
    start = document["components"]["schemas"]["NewVisit"]["properties"]["start"]
    assert "format" not in start
    assert start["type"] == "string" and "offset" in start["description"]


def test_every_success_answer_names_its_schema_and_dependency_failures_say_when_to_retry(client):
    document = client.http.get("/openapi.json").json_body
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            (success,) = [code for code in responses if code.startswith("2")]
            ((media, content),) = responses[success]["content"].items()
            if media == "application/json":
                assert content["schema"]["$ref"].startswith("#/components/schemas/"), f"{method} {path}"
            else:
                assert content["schema"]["type"] == "string", f"{method} {path}"
            assert {"429", "502", "503"} <= set(responses), f"{method} {path}"
            assert responses["503"]["headers"]["Retry-After"]["required"] is True


def test_a_blank_query_parameter_is_documented_as_not_given_and_read_so(client, auth):
    document = client.http.get("/openapi.json").json_body
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/v1/visits"]["get"]["parameters"]}
    assert {"type": "string", "maxLength": 0} in parameters["from"]["anyOf"]
    assert {"type": "string", "maxLength": 0} in parameters["limit"]["anyOf"]
    response = client.http.get("/v1/visits?from=&limit=", headers=auth("supervisor"))
    assert response.status_code == 200, response.body


def test_a_blank_optional_field_is_documented_as_not_given_and_read_so(client, auth):
    """The document said an optional text was at least one character; the API reads "" as not given."""
    from tests.dates import example_referral

    document = client.http.get("/openapi.json").json_body
    team = document["components"]["schemas"]["Referrer-Input"]["properties"]["team"]
    assert {"type": "string", "pattern": "^[ \\t\\r\\n]*$"} in team["anyOf"]
    body = example_referral()
    body["referrer"]["team"] = ""
    response = client.http.post("/v1/referrals", headers=auth("referrer"), body=json.dumps(body))
    assert response.status_code == 201, response.body
    assert response.json_body["submission"]["referrer"]["team"] is None


def test_json_nested_absurdly_deep_is_400_not_500(client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.http.post("/dev/token", headers={"Content-Type": "application/json"}, body=body)
    assert response.status_code == 400
    assert "nested too deeply" in response.json_body["error"]["message"]


@pytest.mark.parametrize("cursor", ["eyJhIjoxfQ==", "bm90IGpzb24=", "!!!"])
def test_audit_cursor_that_this_service_did_not_issue_is_400(client, auth, cursor):
    response = client.http.get(f"/v1/audit?cursor={cursor}", headers=auth("admin"))
    assert response.status_code == 400
    assert "cursor" in response.json_body["error"]["message"]


def test_audit_day_that_is_not_a_date_is_400(client, auth):
    response = client.http.get("/v1/audit?day=2026-02-30", headers=auth("admin"))
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json_body["error"]["message"]


def test_audit_pages_follow_their_cursor(client, auth):
    from chalicelib.services.audit import audited_transaction

    # GIVEN three audit events for one entity, written within the same second

    for action in ("a", "b", "c"):
        with audited_transaction("admin@familycontact.example") as tx:
            tx.record("referral", "r-1", action)
    # WHEN read two at a time
    first = client.http.get("/v1/audit?entity=referral&id=r-1&limit=2", headers=auth("admin")).json_body
    second = client.http.get(
        f"/v1/audit?entity=referral&id=r-1&limit=2&cursor={first['next_cursor']}", headers=auth("admin")
    ).json_body
    # THEN every event comes once, in time order
    assert [e["action"] for e in first["events"] + second["events"]] == ["a", "b", "c"]


def test_a_job_as_of_a_date_out_of_range_is_422(client):
    response = client.http.post(
        "/dev/jobs/recover-workflows", headers={"Content-Type": "application/json"}, body='{"today": "9999-12-31"}'
    )
    assert response.status_code == 422
    assert response.json_body["error"]["fields"][0]["path"] == "today"


def test_a_method_the_route_does_not_have_is_405_in_the_standard_shape(client, auth):
    response = client.http.put("/v1/audit", headers=auth("admin"), body="{}")
    assert response.status_code == 405
    assert response.json_body["error"]["code"] == "method_not_allowed"


def test_a_content_type_chalice_refuses_itself_is_415_in_the_standard_shape(client, auth):
    headers = {**auth("referrer"), "Content-Type": "image/png"}
    response = client.http.post("/v1/referrals", headers=headers, body=b"\x89PNG")
    assert response.status_code == 415
    assert response.json_body["error"]["code"] == "unsupported_media_type"


def test_a_post_without_any_content_type_is_415(client, auth):
    headers = {"Authorization": auth("referrer")["Authorization"]}
    response = client.http.post("/v1/referrals", headers=headers, body="{}")
    assert response.status_code == 415
    assert response.json_body["error"]["code"] == "unsupported_media_type"
