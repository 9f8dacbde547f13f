"""When the carer's address is confidential, the referrer reads the approved report without the
actual times of arrival and departure: in the JSON as on the page and in the PDF."""

from __future__ import annotations

import pytest

from chalicelib.examples import example_report
from tests.functional.test_reports_api import _approve
from tests.helpers import REFERRER, wait_for_email
from tests.report_helpers import book_visit, report_of, write_and_submit


@pytest.mark.parametrize("confidential", [True, False])
def test_the_referrers_report_json_withholds_the_actual_times_only_when_the_address_is_confidential(
    client, auth, runtime, confidential
):
    visit_id = book_visit(client, auth, confidential=confidential)
    write_and_submit(client, auth, visit_id, {**example_report(), "actual_start": "09:47", "actual_end": "11:13"})
    _approve(client, runtime)
    wait_for_email(runtime.outbox, REFERRER, "is ready")

    (version,) = report_of(client, auth, visit_id, role="referrer")["versions"]
    times = (version["content"]["actual_start"], version["content"]["actual_end"])
    assert times == ((None, None) if confidential else ("09:47", "11:13"))
    assert version["content"]["observations"] == example_report()["observations"]
    # staff still read what was written
    (staff_version,) = report_of(client, auth, visit_id)["versions"]
    assert (staff_version["content"]["actual_start"], staff_version["content"]["actual_end"]) == ("09:47", "11:13")
