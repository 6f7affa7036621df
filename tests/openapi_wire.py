"""Compare what the OpenAPI document promises with what a route actually sent (status, content type, body schema).

Shared by the per-route wire test and the schemathesis run; schemas are validated with jsonschema-rs (a dependency of
schemathesis), `$ref`s resolved against the document's own components."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import jsonschema_rs

PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def documented_operations(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path template) of every operation in the document."""
    return {(method.upper(), path) for path, item in doc["paths"].items() for method in item
            if method in {"get", "put", "post", "patch", "delete", "head"}}


def template_of(route_path: str) -> str:
    """Litestar's route path (`/events/{eventId:str}`) as the document writes it (`/events/{eventId}`)."""
    return PARAM.sub(lambda m: "{" + m.group(1) + "}", route_path)


def invalid_examples(doc: dict[str, Any]) -> list[str]:
    """Examples in the components (whole schemas and their properties) that their own schema refuses."""
    wrong = []
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        parts = [(name, schema), *((f"{name}.{prop}", sub) for prop, sub in schema.get("properties", {}).items())]
        for where, part in parts:
            validator = jsonschema_rs.Draft202012Validator({**part, "components": doc["components"]})
            wrong += [f"{where}: {example!r}" for example in part.get("examples", [])
                      if not validator.is_valid(example)]
    return wrong


def mismatches(doc: dict[str, Any], method: str, template: str, response: httpx.Response) -> list[str]:
    """What in `response` the document does not describe; empty when the answer is as documented."""
    where = f"{method} {template} -> {response.status_code}"
    operation = doc["paths"][template][method.lower()]
    documented = operation.get("responses", {}).get(str(response.status_code))
    if documented is None:
        return [f"{where}: status not documented ({sorted(operation.get('responses', {}))})"]
    content = documented.get("content") or {}
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if not response.content:
        return [] if not content else [f"{where}: empty body, documented {sorted(content)}"]
    if media_type not in content:
        return [f"{where}: sent {media_type!r}, documented {sorted(content)}"]
    schema = content[media_type].get("schema")
    if schema is None:
        return []
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": doc.get("components", {})})
    body = json.loads(response.content)
    return [f"{where}: {error.message} at {'/'.join(map(str, error.instance_path))}"
            for error in validator.iter_errors(body)]
