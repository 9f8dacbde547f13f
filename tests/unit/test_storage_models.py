"""Every PynamoDB model of the service is known to `storage.tables`: one per table there, or among
the models sharing a table, so the embedded runtime creates its table and resets its client."""

from __future__ import annotations

import importlib
import pkgutil

from pynamodb.models import Model

import chalicelib.storage
from chalicelib.storage.tables import all_models, models_sharing_a_table


def _every_model() -> set[type]:
    found = set()
    for module_info in pkgutil.iter_modules(chalicelib.storage.__path__):
        module = importlib.import_module(f"chalicelib.storage.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Model) and value is not Model:
                if value.__module__ == module.__name__:
                    found.add(value)
    return found


def test_every_model_is_listed_once_and_each_table_has_one_owner():
    owners, sharing = all_models(), models_sharing_a_table()
    assert _every_model() == set(owners) | set(sharing)
    assert len({model.Meta.table_name for model in owners}) == len(owners)
    assert {model.Meta.table_name for model in sharing} <= {model.Meta.table_name for model in owners}
