"""What people read for each clearance kind and status: in pages, emails and the CSV."""

from __future__ import annotations

from chalicelib.domain.clearances import ClearanceKind, ClearanceStatus

KIND_LABELS: dict[ClearanceKind, str] = {
    ClearanceKind.BACKGROUND_CHECK: "background check",
    ClearanceKind.FIRST_AID: "first aid certificate",
    ClearanceKind.DRIVING_LICENCE: "driving licence",
    ClearanceKind.VEHICLE_INSURANCE: "vehicle insurance",
}
STATUS_LABELS: dict[ClearanceStatus, str] = {
    ClearanceStatus.VALID: "Valid",
    ClearanceStatus.EXPIRING: "Expiring",
    ClearanceStatus.RENEWAL_IN_PROGRESS: "Renewal in progress",
    ClearanceStatus.MISSING: "Missing",
    ClearanceStatus.EXPIRED: "Expired",
}


def kind_label(kind: ClearanceKind | str) -> str:
    return KIND_LABELS[ClearanceKind(kind)]


def status_label(status: ClearanceStatus | str) -> str:
    return STATUS_LABELS[ClearanceStatus(status)]
