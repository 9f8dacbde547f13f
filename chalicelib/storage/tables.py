"""Every PynamoDB model of the service: what the embedded runtime creates and snapshots."""

from __future__ import annotations


def all_models() -> list:
    from chalicelib.storage.audit import AuditEvent

    return [AuditEvent]
