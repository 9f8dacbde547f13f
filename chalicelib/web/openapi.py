"""OpenAPI 3 description of every `/v1` route, built from what `api_route` registered."""

from __future__ import annotations

from chalicelib.web.http import ROUTES, RouteSpec

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["path", "message"],
                        "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        }
    },
}

ERROR_STATUSES = {
    "400": "Malformed request (the body is not JSON, a bad cursor)",
    "401": "Not signed in",
    "403": "Signed in without a role that may do this",
    "404": "Not found",
    "409": "The state changed first (already decided, stale version, reused idempotency key)",
    "413": "Body over 256 KiB",
    "415": "Body is not application/json",
    "422": "Validation failed: every field error at once",
}


def _operation(spec: RouteSpec, components: dict) -> dict:
    operation: dict = {
        "summary": spec.summary,
        "operationId": f"{spec.method.lower()}_{spec.path.strip('/').replace('/', '_').replace('{', '').replace('}', '').replace('.', '_')}",
        "security": [{"bearer": []}] if spec.roles else [],
        "x-roles": sorted(r.value for r in spec.roles),
        "responses": {
            str(spec.status): {"description": "Success", "content": {spec.produces: {"schema": {}}}},
            **{
                code: {
                    "description": text,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
                for code, text in ERROR_STATUSES.items()
            },
        },
    }
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in _path_params(spec.path)
    ]
    params += [
        {"name": name, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
        for name, text in spec.query_params
    ]
    if params:
        operation["parameters"] = params
    if spec.body_model is not None:
        schema = spec.body_model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        name = spec.body_model.__name__
        components[name] = schema
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}, "example": spec.example}
            },
        }
    return operation


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def document() -> dict:
    components: dict = {"Error": ERROR_SCHEMA}
    paths: dict = {}
    for spec in sorted(ROUTES, key=lambda s: (s.path, s.method)):
        if not spec.path.startswith("/v1"):
            continue
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Family Contact Service API",
            "version": "1.0.0",
            "description": "Referrals, worker clearances, visits and reports. Errors follow one shape: "
            '{"error": {"code", "message", "fields": [{"path", "message"}]}}.',
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
