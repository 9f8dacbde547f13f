"""What HR's clearance pages show and how their forms are read: one function per page that parses
the request, calls the clearance service and renders."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pydantic import ValidationError

from chalicelib import clock
from chalicelib.auth import Principal
from chalicelib.domain.clearance_records import FORM_FIELDS, BackgroundCheckType, record_model
from chalicelib.domain.clearances import ClearanceKind, ClearanceStatus
from chalicelib.domain.labels import kind_label, status_label
from chalicelib.domain.workers import NewWorker
from chalicelib.errors import Conflict, ValidationFailed
from chalicelib.web.forms import FormError, error_summary, errors_by_path, field_id, first_value, nest
from chalicelib.web.pages import form_fields, redirect, render

SORTS = {"expiry": "soonest expiry first", "name": "name"}
# Traffic lights: green may work, amber needs HR soon, red may not be assigned.
STATUS_COLOURS = {
    ClearanceStatus.VALID.value: "green",
    ClearanceStatus.EXPIRING.value: "amber",
    ClearanceStatus.RENEWAL_IN_PROGRESS.value: "amber",
    ClearanceStatus.MISSING.value: "red",
    ClearanceStatus.EXPIRED.value: "red",
}
CHECK_TYPES = {
    BackgroundCheckType.ENHANCED_DBS.value: "Enhanced DBS",
    BackgroundCheckType.STANDARD_DBS.value: "Standard DBS",
    BackgroundCheckType.POLICE_CHECK.value: "Police check",
    BackgroundCheckType.CHILD_ABUSE_REGISTRY_CHECK.value: "Child-abuse registry check",
    BackgroundCheckType.OTHER.value: "Other",
}
FIELD_LABELS = {
    "check_type": "Type of check",
    "certificate_number": "Certificate number",
    "provider": "Training provider",
    "level": "Course and level",
    "licence_number": "Licence number",
    "insurer": "Insurer",
    "policy_number": "Policy number",
}
# The rest of each form's fields, for the error summary's "<label>: <message>" and its order.
OTHER_LABELS = {
    "issued_on": "Issued on",
    "expires_on": "Expires on",
    "verified_on": "Original seen on",
    "renewal_applied_on": "Renewal applied for on",
    "notes": "Notes",
    "name": "Full name",
    "email": "Work email",
    "role": "Job role",
    "phone": "Phone",
}
FORM_ORDER = [*FIELD_LABELS, *OTHER_LABELS]


def _summary(errors: dict[str, str]) -> list[dict[str, str]]:
    """The error summary in the order the fields appear, each message led by its field's label."""
    ordered = sorted(errors.items(), key=lambda item: FORM_ORDER.index(item[0]) if item[0] in FORM_ORDER else 99)
    labels = {**FIELD_LABELS, **OTHER_LABELS}
    return [
        {**entry, "message": f"{labels[entry['path']]}: {entry['message']}"} if entry["path"] in labels else entry
        for entry in error_summary(dict(ordered))
    ]


def _colour(clearance: dict[str, Any]) -> str:
    # An optional kind nobody recorded is not a problem: grey, not red.
    if clearance["status"] == ClearanceStatus.MISSING.value and not clearance["required"]:
        return "grey"
    return STATUS_COLOURS[clearance["status"]]


def _common(**context: Any) -> dict[str, Any]:
    return {"colour": _colour, "status_label": status_label, "field_id": field_id, "focus": None, **context}


# -- the dashboard ------------------------------------------------------------------------------


# -- record or renew one clearance --------------------------------------------------------------


def _clearance_page(
    principal: Principal,
    worker,
    kind: ClearanceKind,
    values: dict[str, str] | None,
    errors: dict[str, str] | None = None,
    status: int = 200,
):
    """The form; `values` None means a new form, prefilled from the certificate on record."""
    from chalicelib.services import workers

    errors = errors or {}
    view = workers.detail_view(worker, workers.policy(), clock.today())
    current = next(c for c in view["clearances"] if c["kind"] == kind.value)
    if values is None:
        values = {name: value for name, value in (current.get("details") or {}).items() if name in PREFILLED}
    model = record_model(kind)
    required = model.fields_required_by_kind()
    return render(
        "hr_clearance_form.html",
        status,
        principal,
        **_common(
            worker=view,
            kind=kind.value,
            kind_label=kind_label(kind),
            current=current,
            values=values,
            errors=errors,
            summary=_summary(errors),
            focus=field_id(next(iter(errors))) if errors else None,
            kind_fields=[f for f in model.own_fields() if f in FIELD_LABELS],
            required_fields=required,
            field_labels=FIELD_LABELS,
            check_types=CHECK_TYPES,
            expiry_required="expires_on" in required,
            policy=workers.policy(),
        ),
    )


# -- add a worker -------------------------------------------------------------------------------


def _worker_page(principal: Principal, values: dict[str, str], errors: dict[str, str] | None = None, status=200):
    errors = errors or {}
    return render(
        "hr_worker_form.html",
        status,
        principal,
        **_common(
            values=values,
            errors=errors,
            summary=_summary(errors),
            focus=field_id(next(iter(errors))) if errors else None,
        ),
    )


# -- the pages ----------------------------------------------------------------------------------


def dashboard(request, principal: Principal):
    from chalicelib.services import compliance

    query = request.query_params or {}
    raw_status = (query.get("status") or "").strip().upper()
    status = ClearanceStatus(raw_status) if raw_status in ClearanceStatus.__members__ else None
    sort = query.get("sort") if query.get("sort") in SORTS else "expiry"
    data = compliance.dashboard_rows(status, sort)
    names = {row["worker_id"]: row["name"] for row in data["rows"]}
    saved, added, kind = query.get("saved"), query.get("added"), query.get("kind")
    notice = None
    if saved in names and kind in {k.value for k in ClearanceKind}:
        notice = f"Saved {names[saved]}'s {kind_label(kind)}."
    elif added in names:
        notice = f"Added {names[added]}. Record their clearances from their row below."
    return render(
        "hr_clearances.html",
        principal=principal,
        **_common(
            **data,
            kinds=[(kind.value, kind_label(kind)) for kind in ClearanceKind],
            statuses=[(s.value, status_label(s.value)) for s in ClearanceStatus],
            status_filter=status.value if status else "",
            unknown_status=bool(raw_status) and status is None,
            sort=sort,
            sorts=SORTS,
            notice=notice,
            highlight=saved or added,
            link=lambda **changes: (
                "/hr/clearances?"
                + urlencode(
                    {k: v for k, v in {"status": status.value if status else "", "sort": sort, **changes}.items() if v}
                )
            ),
        ),
    )


def dashboard_csv(request, principal: Principal):
    """The register as CSV for a signed-in browser (the API's /v1/compliance.csv wants a bearer token)."""
    from chalicelib.services import compliance
    from chalicelib.web.csv_export import csv_response

    today = clock.today()
    return csv_response(compliance.register_rows(None, today), today)


def clearance_form(request, principal: Principal, worker_id: str, kind: str):
    from chalicelib.services import clearances, workers

    kind_value = clearances.parse_kind(kind)
    worker = workers.load_worker(worker_id)
    if request.method == "GET":
        return _clearance_page(principal, worker, kind_value, None)

    fields = form_fields(request)
    values = {name: first_value(fields, name) for name in FORM_FIELDS}
    try:
        data = nest({name: fields[name] for name in FORM_FIELDS if name in fields})
        record = record_model(kind_value).model_validate(data, context={"today": clock.today()})
    except FormError as exc:
        return _clearance_page(principal, worker, kind_value, values, {"issued_on": str(exc)}, 400)
    except ValidationError as exc:  # every problem at once: the format's and this kind's
        return _clearance_page(principal, worker, kind_value, values, errors_by_path(exc), 422)
    try:
        clearances.record_clearance(worker_id, kind_value, record, principal)
    except ValidationFailed as exc:
        errors = {f["path"]: f["message"] for f in exc.fields} or {"issued_on": exc.message}
        return _clearance_page(principal, worker, kind_value, values, errors, 422)
    except Conflict as exc:
        return _clearance_page(principal, worker, kind_value, values, {"issued_on": exc.message}, 409)
    return redirect(
        "/hr/clearances?" + urlencode({"saved": worker_id, "kind": kind_value.value}) + f"#worker-{worker_id}"
    )


# A renewal usually keeps the type of check, the provider or the insurer: a new form starts from those.
PREFILLED = ("check_type", "provider", "level", "insurer")


def new_worker(request, principal: Principal):
    from chalicelib.services import workers

    if request.method == "GET":
        return _worker_page(principal, {})
    fields = form_fields(request)
    values = {name: first_value(fields, name) for name in NewWorker.model_fields}
    try:
        data = nest({name: fields[name] for name in NewWorker.model_fields if name in fields})
        worker = NewWorker.model_validate(data)
    except FormError as exc:
        return _worker_page(principal, values, {"name": str(exc)}, 400)
    except ValidationError as exc:
        return _worker_page(principal, values, errors_by_path(exc), 422)
    try:
        created = workers.create_worker(worker, principal.email)
    except Conflict as exc:
        errors = {f["path"]: f["message"] for f in exc.fields} or {"email": exc.message}
        return _worker_page(principal, values, errors, 409)
    return redirect("/hr/clearances?" + urlencode({"added": created["worker_id"]}) + f"#worker-{created['worker_id']}")
