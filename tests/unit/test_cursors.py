"""Unit tests for page cursors: a round trip keeps the position, and anything else is a 400."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.errors import BadRequest
from chalicelib.storage.cursors import KeyCursor

CURSOR = KeyCursor(("entity_key", "event_key"))


def written(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


def test_a_page_key_round_trips_with_the_querys_own_partition_added() -> None:
    last_key = {
        "entity_key": {"S": "referral#r-1"},
        "event_key": {"S": "2026-03-01T09:00:00.000001+00:00#e1"},
        "day": {"S": "2026-03-01"},
    }
    cursor = CURSOR.encode(last_key)
    assert CURSOR.decode(cursor, day="2026-03-01") == last_key


def test_plain_string_keys_encode_like_attribute_values() -> None:
    assert CURSOR.encode({"entity_key": "a", "event_key": "b"}) == CURSOR.encode(
        {"entity_key": {"S": "a"}, "event_key": {"S": "b"}}
    )


def test_the_cursor_hides_the_key_layout() -> None:
    cursor = CURSOR.encode({"entity_key": {"S": "referral#r-1"}, "event_key": {"S": "x"}})
    assert '"S"' not in base64.urlsafe_b64decode(cursor).decode()


@pytest.mark.parametrize("empty", [None, {}])
def test_no_key_means_no_next_page(empty) -> None:
    assert CURSOR.encode(empty) is None


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_means_the_first_page(cursor) -> None:
    assert CURSOR.decode(cursor, day="2026-03-01") is None


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "bm90IGpzb24=",  # base64 of "not json"
        "é",
        written(["entity_key", "event_key"]),
        written({"a": 1}),
        written({"entity_key": "a"}),
        written({"entity_key": "a", "event_key": "b", "day": "2026-03-01"}),  # may not choose the partition
        written({"entity_key": {"S": "a"}, "event_key": {"S": "b"}}),  # the raw key shape is not ours
        written({"entity_key": "a", "event_key": 7}),
        written({"entity_key": "", "event_key": "b"}),
        written({"entity_key": "a", "event_key": "b" * 1025}),
        "A" * 5000,
    ],
)
def test_a_cursor_this_service_did_not_write_is_a_400_naming_the_cursor(cursor) -> None:
    with pytest.raises(BadRequest) as caught:
        CURSOR.decode(cursor, day="2026-03-01")
    assert "cursor" in caught.value.message
    assert [f["path"] for f in caught.value.fields] == ["cursor"]
