"""Unit tests for `count`: one EMF line per call, nothing when metrics are disabled."""

from __future__ import annotations

import json

from chalicelib.observability import count


def test_a_count_is_one_emf_line_with_its_namespace_and_service(capsys, monkeypatch) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    count("ReferralsSubmitted")
    count("ClearanceRemindersSent", 3)
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    (directive,) = first["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "FamilyContact"
    assert directive["Metrics"] == [{"Name": "ReferralsSubmitted", "Unit": "Count"}]
    assert (first["service"], first["ReferralsSubmitted"]) == ("family-contact", [1.0])
    assert second["ClearanceRemindersSent"] == [3.0] and "ReferralsSubmitted" not in second


def test_disabled_metrics_print_nothing(capsys, monkeypatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    count("ReferralsSubmitted")
    assert capsys.readouterr().out == ""
