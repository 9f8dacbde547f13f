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
    "429": "Too many requests: wait the number of seconds in Retry-After, if given, and try again",
    "502": "A service this one depends on failed: try again after Retry-After seconds, if given",
    "503": "A service this one depends on is busy or unavailable: try again after Retry-After seconds",
}
# The statuses whose answer says when to try again; only a 503 always says it.
RETRY_AFTER = {"429": False, "502": False, "503": True}
RETRY_AFTER_HEADER = {
    "description": "Seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 0},
}

# Answers that are files, not JSON: the type each one is.
FILE_SCHEMAS = {
    "text/csv": {"type": "string"},
    "text/calendar": {"type": "string"},
    "application/pdf": {"type": "string", "format": "binary"},
}


def _error_response(code: str, text: str) -> dict:
    answer: dict = {
        "description": text,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if code in RETRY_AFTER:
        answer["headers"] = {"Retry-After": {**RETRY_AFTER_HEADER, "required": RETRY_AFTER[code]}}
    return answer


def _success(spec: RouteSpec, refs: dict) -> dict:
    if spec.produces in FILE_SCHEMAS:
        schema = FILE_SCHEMAS[spec.produces]
    else:
        schema = refs[("serialization", spec.response)] if spec.response is not None else {}
    return {"description": "Success", "content": {spec.produces: {"schema": schema}}}


def _operation(spec: RouteSpec, refs: dict) -> dict:
    operation: dict = {
        "summary": spec.summary,
        "operationId": f"{spec.method.lower()}_{spec.path.strip('/').replace('/', '_').replace('{', '').replace('}', '').replace('.', '_')}",
        "security": [{"bearer": []}] if spec.roles else [],
        "x-roles": sorted(r.value for r in spec.roles),
        "responses": {
            str(spec.status): _success(spec, refs),
            **{code: _error_response(code, text) for code, text in ERROR_STATUSES.items()},
        },
    }
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in _path_params(spec.path)
    ]
    query_schemas = _query_schemas(spec.query_model) if spec.query is not None else {}
    params += [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": text,
            "schema": query_schemas.get(name, {"type": "string"}),
        }
        for name, text in spec.query_params
    ]
    if params:
        operation["parameters"] = params
    if spec.body_model is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[("validation", spec.body_model)], "example": spec.example}},
        }
    return operation


BLANK = {"type": "string", "maxLength": 0}
# Bounds that pydantic writes under their own names when they sit inside an optional type.
_BOUND_KEYWORDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _query_schemas(model) -> dict[str, dict]:
    """Each query parameter's type and bounds: the given value's schema (a parameter left out is
    how a query says "none"), so a client or a fuzzer knows a limit is a number from 1 to 200."""
    schemas = {}
    for name, prop in model.model_json_schema()["properties"].items():
        given = [branch for branch in prop.get("anyOf", [prop]) if branch.get("type") != "null"]
        schema = dict(given[0]) if len(given) == 1 else {"type": "string"}
        schema = {_BOUND_KEYWORDS.get(key, key): value for key, value in schema.items()}
        if schema.get("type") != "string" or schema.keys() & {"format", "pattern", "minLength"}:
            schema = {"anyOf": [schema, BLANK]}  # `?from=` is read as "not given", as a form sends it
        schemas[name] = schema
    return schemas


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def _model_schemas(specs: list[RouteSpec]) -> tuple[dict, dict]:
    """Every request body (as it is read, a pydantic model) and success body (as it is written, a
    type of `chalicelib.services.outputs`) in one pass, so a model used both ways, or two models of one
    name, get distinct component names."""
    from pydantic.json_schema import GenerateJsonSchema

    from chalicelib.services.outputs import adapter

    wanted = {("validation", s.body_model) for s in specs if s.body is not None}
    wanted |= {("serialization", s.response) for s in specs if s.response is not None}
    inputs = [
        (kind, mode, adapter(kind).core_schema if mode == "serialization" else kind.__pydantic_core_schema__)
        for mode, kind in sorted(wanted, key=lambda wish: (wish[1].__module__, wish[1].__name__, wish[0]))
    ]
    generator = GenerateJsonSchema(ref_template="#/components/schemas/{model}")
    refs, definitions = generator.generate_definitions(inputs)
    return {(mode, kind): ref for (kind, mode), ref in refs.items()}, definitions


def document() -> dict:
    specs = sorted((s for s in ROUTES if s.path.startswith("/v1")), key=lambda s: (s.path, s.method))
    refs, components = _model_schemas(specs)
    paths: dict = {}
    for spec in specs:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, refs)
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
            "schemas": {"Error": ERROR_SCHEMA, **components},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
