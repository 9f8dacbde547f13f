"""The clearance register as CSV (API export and the HR page's download), safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date

from chalice import Response

CSV_COLUMNS = (
    "worker_id",
    "name",
    "email",
    "compliance",
    "kind",
    "required",
    "status",
    "issued_on",
    "expires_on",
    "days_left",
    "renewal_applied_on",
    "grace_ends_on",
    "reason",
)


def csv_response(rows: list[dict], today: date) -> Response:
    return Response(
        body=to_csv(rows),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="worker-clearances-{today.isoformat()}.csv"',
            "Cache-Control": "no-store",
        },
    )


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    # A spreadsheet runs a cell starting with one of these as a formula (CSV injection): make it text.
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
