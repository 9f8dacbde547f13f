"""Local data that survives a restart: every table's items in one JSON file, written atomically."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

_lock = threading.Lock()


def _client():
    import boto3

    return boto3.client("dynamodb")


def _table_names() -> list[str]:
    from chalicelib.storage.tables import all_models

    return [model.Meta.table_name for model in all_models()]


def save(path: Path) -> int:
    """Write all items (DynamoDB JSON). A local-only whole-table read, never a request path."""
    client = _client()
    data: dict[str, list] = {}
    with _lock:
        for table in _table_names():
            items: list = []
            for page in client.get_paginator("scan").paginate(TableName=table):
                items.extend(page["Items"])
            data[table] = items
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    return sum(len(items) for items in data.values())


def restore(path: Path) -> int:
    """Load a snapshot into the (empty) tables; returns how many items were restored."""
    if not path.exists():
        return 0
    data = json.loads(path.read_text(encoding="utf-8"))
    client = _client()
    known = set(_table_names())
    count = 0
    for table, items in data.items():
        if table not in known:
            continue
        for start in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            client.batch_write_item(RequestItems={table: batch})
        count += len(items)
    return count
