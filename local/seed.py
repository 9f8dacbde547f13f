"""Demo data for a fresh local start, and the restart of workflows a stop left stranded."""

from __future__ import annotations

from importlib import import_module

from chalicelib import clock

# "module:function" seeders run in order on an empty store; each returns how many items it made.
SEEDERS: tuple[str, ...] = (
    "local.demo_workers:seed_demo_workers",
    "local.demo_referrals:seed_demo_referrals",
    "local.demo_visits:seed_demo_visits",
)


def seed_demo_data() -> dict[str, int]:
    made = {}
    for target in SEEDERS:
        module, _, function = target.partition(":")
        made[target] = getattr(import_module(module), function)()
    return made


def recover_workflows() -> dict:
    from chalicelib import jobs

    return jobs.run("recover-workflows", clock.today())
