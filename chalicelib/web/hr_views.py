"""How HR's clearance pages look: the dashboard, the clearance form and the add-a-worker form,
rendered from what `api.hr_pages` read (this module reads nothing itself)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from chalice import Response

from chalicelib.auth import Principal
from chalicelib.domain.clearance_records import BackgroundCheckType, ClearanceRecord
from chalicelib.domain.clearances import ClearanceKind, ClearancePolicy, ClearanceStatus
from chalicelib.domain.labels import kind_label, status_label
from chalicelib.web.forms import error_summary, field_id
from chalicelib.web.pages import render

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
# What each earlier record of a certificate was, in the history list.
ACTION_WORDS = {
    "recorded": "Recorded",
    "renewed": "Renewed",
    "renewal_applied": "Renewal applied for",
    "updated": "Updated",
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


def _prefilled(current: dict[str, Any]) -> dict[str, str]:
    """A new form starts from the certificate on record: a newer certificate changes what is new,
    and recording that the worker applied to renew needs only that date."""
    if not current.get("issued_on"):
        return {}
    values = {name: str(value) for name, value in (current.get("details") or {}).items() if value is not None}
    values["issued_on"] = current["issued_on"]
    if current.get("expiry_source") == "certificate" and current.get("expires_on"):
        values["expires_on"] = current["expires_on"]
    if current.get("renewal_applied_on"):
        values["renewal_applied_on"] = current["renewal_applied_on"]
    return values


def visits_affected(flagged: int | None, cleared: int | None) -> str:
    """What a clearance save did to the worker's booked visits, in words (nothing when not known)."""
    if flagged is None and cleared is None:
        return ""
    said = []
    if flagged:
        said.append(f"{_visits(flagged)} now at risk: the supervisor has been told")
    if cleared:
        said.append(f"{_visits(cleared)} no longer at risk")
    return " " + ("; ".join(said) if said else "No booked visits are affected") + "."


def _visits(n: int) -> str:
    return "1 booked visit is" if n == 1 else f"{n} booked visits are"


def dashboard_page(
    principal: Principal,
    data: dict[str, Any],
    *,
    status: ClearanceStatus | None,
    unknown_status: bool,
    sort: str,
    saved: str | None = None,
    added: str | None = None,
    kind: str | None = None,
    visits: tuple[int | None, int | None] = (None, None),
) -> Response:
    """Every worker's clearances (`data` from `services.compliance.dashboard_rows`), with a notice
    naming what was just saved or added, and how many booked visits the save affected."""
    names = {row["worker_id"]: row["name"] for row in data["rows"]}
    notice = None
    if saved in names and kind in {k.value for k in ClearanceKind}:
        notice = f"Saved {names[saved]}'s {kind_label(kind)}." + visits_affected(*visits)
    elif added in names:
        notice = f"Added {names[added]}. Record their clearances from their row below."
    return render(
        "hr_clearances.html",
        principal=principal,
        **_common(
            **data,
            kinds=[(k.value, kind_label(k)) for k in ClearanceKind],
            statuses=[(s.value, status_label(s.value)) for s in ClearanceStatus],
            status_filter=status.value if status else "",
            unknown_status=unknown_status,
            sort=sort,
            sorts=SORTS,
            notice=notice,
            highlight=saved or added,
            csv_link="/hr/clearances.csv?"
            + urlencode({k: v for k, v in {"status": status.value if status else "", "sort": sort}.items() if v}),
            link=lambda **changes: (
                "/hr/clearances?"
                + urlencode(
                    {k: v for k, v in {"status": status.value if status else "", "sort": sort, **changes}.items() if v}
                )
            ),
        ),
    )


def clearance_page(
    principal: Principal,
    worker: dict[str, Any],
    model: type[ClearanceRecord],
    policy: ClearancePolicy,
    values: dict[str, str] | None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    alert: str | None = None,
) -> Response:
    """The form to record one kind's certificate for `worker` (its detail view); `values` None
    means a new form, prefilled from the certificate on record. `alert` says what happened when
    the record changed under the person's feet."""
    errors = errors or {}
    current = next(c for c in worker["clearances"] if c["kind"] == model.kind.value)
    if values is None:
        values = _prefilled(current)
    required = model.fields_required_by_kind()
    return render(
        "hr_clearance_form.html",
        status,
        principal,
        **_common(
            worker=worker,
            kind=model.kind.value,
            kind_label=kind_label(model.kind),
            current=current,
            values=values,
            errors=errors,
            summary=_summary(errors),
            focus=field_id(next(iter(errors))) if errors else None,
            kind_fields=[f for f in model.own_fields() if f in FIELD_LABELS],
            required_fields=required,
            field_labels=FIELD_LABELS,
            check_types=CHECK_TYPES,
            action_words=ACTION_WORDS,
            expiry_required="expires_on" in required,
            policy=policy,
            alert=alert,
        ),
    )


def worker_page(
    principal: Principal, values: dict[str, str], errors: dict[str, str] | None = None, status: int = 200
) -> Response:
    """The form to add a worker."""
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
