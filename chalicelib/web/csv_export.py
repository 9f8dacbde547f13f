"""The clearance register as CSV, safe to open in a spreadsheet: the API's export keeps the stored
values (for programs), the HR page's download says everything in words (for people)."""

from __future__ import annotations

import csv
import io
from datetime import date

from chalice import Response

from chalicelib.domain.date_words import long_day
from chalicelib.domain.labels import kind_label, status_label
from chalicelib.domain.visits import readable_reason

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


# The HR page's download: each heading and how its value reads.
PEOPLE_COLUMNS = (
    ("Worker", lambda row: row.get("name")),
    ("Email", lambda row: row.get("email")),
    ("Compliance", lambda row: status_label(row["compliance"]) if row.get("compliance") else ""),
    ("Clearance", lambda row: kind_label(row["kind"]).capitalize() if row.get("kind") else ""),
    ("Required", lambda row: "Yes" if row.get("required") else "No"),
    ("Status", lambda row: _clearance_status(row)),
    ("Issued on", lambda row: long_day(row.get("issued_on"))),
    ("Expires on", lambda row: long_day(row.get("expires_on"))),
    ("Days left", lambda row: row.get("days_left")),
    ("Renewal applied for on", lambda row: long_day(row.get("renewal_applied_on"))),
    ("Assignable until", lambda row: long_day(row.get("grace_ends_on"))),
    ("Why", lambda row: readable_reason(row["reason"]) if row.get("reason") else ""),
)


def _clearance_status(row: dict) -> str:
    if not row.get("status"):
        return ""
    if row["status"] == "MISSING" and not row.get("required"):
        return "Not recorded"
    return status_label(row["status"])


def people_csv(rows: list[dict]) -> str:
    """The register as people read it on the HR page: headings and values in words, days as `14 May 2019`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([heading for heading, _ in PEOPLE_COLUMNS])
    for row in rows:
        writer.writerow([_cell(value(row)) for _, value in PEOPLE_COLUMNS])
    return buffer.getvalue()


# Excel reads a CSV file without a byte-order mark as the Windows code page ("SiobhÃ¡n"): the
# people's download starts with one. The API's export is for programs, which read UTF-8 as it is.
UTF8_BOM = "\ufeff"


def csv_response(rows: list[dict], today: date, *, for_people: bool = False) -> Response:
    return Response(
        body=UTF8_BOM + people_csv(rows) if for_people else to_csv(rows),
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


def rows_csv(rows: list[dict], columns: tuple[str, ...]) -> str:
    """Rows as CSV under `columns`, each cell made safe for a spreadsheet as the register's are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return buffer.getvalue()
