"""HR's download exports what the register page shows: the status filter applies, and a filtered
view says so and offers to show all."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

from chalicelib.domain.clearances import add_years
from tests.functional.test_hr_pages import TODAY, add_worker, days


def test_a_filtered_register_says_so_offers_all_and_downloads_only_what_it_shows(client, hr):
    # GIVEN one valid worker and one whose first aid certificate has expired
    add_worker("Val Id", "val@example.org", add_years(TODAY, 2))
    add_worker("Gone Past", "gone@example.org", TODAY - days(2))

    # WHEN HR shows only the expired
    html = client.http.get("/hr/clearances?status=EXPIRED", headers=hr).body.decode()

    # THEN the page says it is filtered and offers every worker again
    notice = re.search(r'<div class="notice" role="status" id="filtered">(.*?)</div>', html, re.S)
    assert notice and "Showing only workers whose compliance is expired: 1 of 2" in notice.group(1)
    assert 'href="/hr/clearances?sort=expiry">Show all workers</a>' in notice.group(1)

    # AND its download link carries the filter, and the download has only that worker
    link = unescape(re.search(r'href="(/hr/clearances\.csv[^"]*)"', html).group(1))
    assert "status=EXPIRED" in link
    rows = list(csv.DictReader(io.StringIO(client.http.get(link, headers=hr).body.decode("utf-8-sig"))))
    assert {row["Worker"] for row in rows} == {"Gone Past"}


def test_the_unfiltered_register_downloads_everyone_and_shows_no_filter_notice(client, hr):
    add_worker("Val Id", "val@example.org", add_years(TODAY, 2))
    add_worker("Gone Past", "gone@example.org", TODAY - days(2))
    html = client.http.get("/hr/clearances", headers=hr).body.decode()
    assert 'id="filtered"' not in html
    rows = list(csv.DictReader(io.StringIO(client.http.get("/hr/clearances.csv", headers=hr).body.decode("utf-8-sig"))))
    assert {row["Worker"] for row in rows} == {"Val Id", "Gone Past"}


def test_the_download_starts_with_a_byte_order_mark_so_a_spreadsheet_reads_accented_names(client, hr, auth):
    add_worker("Siobhán Ní Bhriain", "siobhan@example.org", add_years(TODAY, 2))
    body = client.http.get("/hr/clearances.csv", headers=hr).body
    assert body.startswith(b"\xef\xbb\xbfWorker,")
    assert body.count(b"\xef\xbb\xbf") == 1
    assert "Siobhán Ní Bhriain" in body.decode("utf-8-sig")
    # The API's export is for programs: plain UTF-8, its first column's name as it is.
    api = client.http.get("/v1/compliance.csv", headers=auth("hr")).body
    assert api.startswith(b"worker_id,") and "Siobhán Ní Bhriain" in api.decode("utf-8")
