"""Today's workforce figures for the dashboard, as the last daily compliance scan left them."""

from __future__ import annotations

from chalicelib.services import outputs


def today() -> outputs.Workforce:
    return {"as_of": None, "figures": []}
