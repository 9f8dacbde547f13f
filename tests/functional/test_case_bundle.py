"""The court bundle: every approved report of a case in one PDF, in date order, with an index
whose first pages and hashes match the reports, page numbers across the bundle, the case's
summary, and the confidentiality rule on every page."""

from __future__ import annotations

import io
import re

from tests.case_helpers import approve_directly, case_with_visits

PDF = {"Accept": "application/pdf"}


def pages_of(body: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def bundle(client, headers: dict, referral_id: str):
    return client.http.get(f"/v1/referrals/{referral_id}/bundle.pdf", headers={**headers, **PDF})


def test_the_bundle_holds_every_approved_report_in_date_order_with_its_hash_and_first_page(client, auth):
    # GIVEN a case with three visits, entered out of date order, two of them with an approved report
    referral_id, (middle, latest, earliest) = case_with_visits(client, auth, [6, 2, 9])
    hashes = {
        earliest: approve_directly(earliest, observations="Earliest session observed."),
        latest: approve_directly(latest, observations="Latest session observed."),
    }

    # WHEN the supervisor downloads the bundle
    response = bundle(client, auth("supervisor"), referral_id)

    # THEN it is one PDF
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.body[:5] == b"%PDF-"
    pages = pages_of(response.body)
    total = len(pages)
    # AND every page is numbered across the bundle
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
    # AND the index lists the approved reports oldest first, each with its stored hash and the page
    # its report starts on, which is where that report's own text begins
    index = pages[1]
    rows = re.findall(r"^(\d+) .*? (\d+)\nSHA-256 ([0-9a-f]{64})$", index, re.MULTILINE)
    assert [(n, digest) for n, _, digest in rows] == [("1", hashes[earliest]), ("2", hashes[latest])]
    for (_, first_page, digest), observed in zip(rows, ("Earliest", "Latest"), strict=True):
        start = pages[int(first_page) - 1]
        assert "Report of a supervised contact visit" in start
        assert f"{observed} session observed." in start
        report_text = "\n".join(pages[int(first_page) - 1 : int(first_page) + 2])
        assert digest in report_text
    # AND the report without an approved version is not in it
    assert "report " + middle[:8] not in "\n".join(pages)
    # AND the summary counts the two sessions and the mother's lateness
    summary = pages[2]
    assert "Summary of the case" in summary
    assert "2 of the 2 sessions with an approved report" in summary
    assert "late to 2, 20 minutes in all" in summary


def test_the_referrers_bundle_names_no_venue_and_no_time_when_the_address_is_confidential(client, auth):
    # GIVEN a case whose carer's address is confidential, with two approved reports
    referral_id, visits = case_with_visits(client, auth, [5, 3], confidential=True)
    for visit_id in visits:
        approve_directly(visit_id, actual_start="09:47", actual_end="11:13")

    # WHEN its referrer downloads the bundle
    response = bundle(client, auth("referrer"), referral_id)

    # THEN no page names the venue, the booked times or the actual times
    assert response.status_code == 200, response.body
    text = "\n".join(pages_of(response.body))
    for detail in ("Northshire Family Centre", "10:00", "11:30", "09:47", "11:13", "Actual times"):
        assert detail not in text
    assert "no page of this bundle names the venue" in text.replace("\n", " ")
    assert text.count("times withheld: the address is confidential") == 2


def test_the_referrers_bundle_shows_the_venue_and_times_when_the_address_is_not_confidential(client, auth):
    referral_id, (visit_id,) = case_with_visits(client, auth, [4])
    approve_directly(visit_id, actual_start="09:47", actual_end="11:13")

    text = "\n".join(pages_of(bundle(client, auth("referrer"), referral_id).body))

    assert "09:47 to 11:13" in text
    assert "Northshire Family Centre, Room 2" in text


def test_a_case_without_an_approved_report_has_no_bundle(client, auth):
    referral_id, _ = case_with_visits(client, auth, [3])

    response = bundle(client, auth("supervisor"), referral_id)

    assert response.status_code == 409
    assert "no approved report yet" in response.json_body["error"]["message"]


def test_only_the_referrer_who_made_it_and_staff_may_download_the_bundle(client, auth):
    referral_id, (visit_id,) = case_with_visits(client, auth, [3])
    approve_directly(visit_id)

    assert bundle(client, auth("worker"), referral_id).status_code == 403
    assert bundle(client, auth("hr"), referral_id).status_code == 403
    assert bundle(client, auth("referrer", "alex.referrer@council.example"), referral_id).status_code == 403
    assert bundle(client, auth("admin"), referral_id).status_code == 200


def test_the_case_page_links_to_the_bundle_once_a_report_is_approved(client, auth):
    from tests.helpers import session_cookie

    referral_id, (visit_id,) = case_with_visits(client, auth, [3])
    cookie = {"Cookie": session_cookie("referrer")}
    before = client.http.get(f"/referrals/{referral_id}", headers=cookie)
    approve_directly(visit_id)
    after = client.http.get(f"/referrals/{referral_id}", headers=cookie)
    download = client.http.get(f"/referrals/{referral_id}/bundle.pdf", headers={**cookie, **PDF})

    assert f"/referrals/{referral_id}/bundle.pdf" not in before.body.decode()
    assert f'href="/referrals/{referral_id}/bundle.pdf"' in after.body.decode()
    assert download.status_code == 200
    assert download.body[:5] == b"%PDF-"


def test_the_summary_counts_the_incidents_the_bundle_is_given(client, auth):
    from chalicelib.auth import Principal, Role
    from chalicelib.web import bundle_pdf

    referral_id, (visit_id,) = case_with_visits(client, auth, [3])
    approve_directly(visit_id)
    supervisor = Principal(
        "u-supervisor-1", "supervisor@familycontact.example", "Priya Shah", frozenset({Role.SUPERVISOR})
    )
    incidents = [
        {"incident_id": "i1", "critical": True, "ended_early": True, "status": "DECIDED", "decision": "suspend"},
        {"incident_id": "i2", "critical": False, "ended_early": False, "status": "REPORTED", "decision": None},
    ]

    response = bundle_pdf.download(supervisor, referral_id, incidents)

    summary = pages_of(response.body)[2].replace("\n", " ")
    assert "2 incidents (1 critical, 1 ended the visit early)" in summary
    assert "case suspended 1" in summary and "not yet decided 1" in summary


def test_an_incident_shows_after_its_visits_report_whole_to_staff_and_as_its_decision_to_the_referrer(client, auth):
    from tests.incident_helpers import decided_incident

    # GIVEN a case whose visit had an incident, decided after its report was approved
    referral_id, (visit_id,) = case_with_visits(client, auth, [3])
    digest = approve_directly(visit_id, observations="Maya played with the puzzle.")
    decided_incident(visit_id, "change_conditions")

    # WHEN a supervisor and the referrer download the bundle
    staff = "\n".join(pages_of(bundle(client, auth("supervisor"), referral_id).body)).replace("\n", " ")
    referrer = "\n".join(pages_of(bundle(client, auth("referrer"), referral_id).body)).replace("\n", " ")

    # THEN both show the incident after the report, outside what the report's hash covers
    for text in (staff, referrer):
        assert text.index("Maya played with the puzzle.") < text.index("Incidents at this visit (1)")
        assert "not part of the approved report above, and not covered by its SHA-256" in text
        assert "The conditions of contact change" in text
        assert digest in text  # the report's hash is the one recorded at approval
    # AND staff read what happened; the referrer does not
    assert "The father shouted at the mother at handover." in staff
    assert "The father shouted" not in referrer and "Maya was taken inside" not in referrer
    assert "1 incident" in referrer  # the summary still counts it
