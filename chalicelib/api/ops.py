"""Operational routes: health and the OpenAPI document."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.web.http import json_response

routes = Blueprint(__name__)


@routes.route("/health", methods=["GET"])
def health():
    return json_response({"status": "ok"})


@routes.route("/openapi.json", methods=["GET"])
def openapi():
    from chalicelib.web.openapi import document

    return json_response(document())
