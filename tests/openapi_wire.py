"""Compare what the OpenAPI document promises with what a route actually sent (status, headers, content type, body
schema).

Shared by the per-route wire test and the schemathesis run; schemas are validated with jsonschema-rs (a dependency of
schemathesis), `$ref`s resolved against the document's own components."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import jsonschema_rs

PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
#: Headers of ours a client acts on: when an answer carries one, its documented response must name it.
API_HEADERS = ("ledger-position", "retry-after", "idempotent-replayed", "set-cookie", "x-correlation-id")


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


def header_mismatches(documented: dict[str, Any], where: str, response: httpx.Response) -> list[str]:
    """Our headers `response` sends that its documented response (`documented`) does not name, and the headers it
    names as required that were not sent."""
    named = {name.lower(): header for name, header in (documented.get("headers") or {}).items()}
    problems = [f"{where}: sends {name}, not documented" for name in API_HEADERS
                if name in response.headers and name not in named]
    return problems + [f"{where}: documented {name} as required, not sent" for name, header in named.items()
                       if header.get("required") and name not in response.headers]


def mismatches(doc: dict[str, Any], method: str, template: str, response: httpx.Response) -> list[str]:
    """What in `response` the document does not describe (status, our headers, content type, body); empty when the
    answer is as documented."""
    where = f"{method} {template} -> {response.status_code}"
    operation = doc["paths"][template][method.lower()]
    documented = operation.get("responses", {}).get(str(response.status_code))
    if documented is None:
        return [f"{where}: status not documented ({sorted(operation.get('responses', {}))})"]
    problems = header_mismatches(documented, where, response)
    content = documented.get("content") or {}
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if not response.content:
        return problems + ([] if not content else [f"{where}: empty body, documented {sorted(content)}"])
    if media_type not in content:
        return [*problems, f"{where}: sent {media_type!r}, documented {sorted(content)}"]
    schema = content[media_type].get("schema")
    if schema is None:
        return problems
    validator = jsonschema_rs.Draft202012Validator({**schema, "components": doc.get("components", {})})
    body = json.loads(response.content)
    return problems + [f"{where}: {error.message} at {'/'.join(map(str, error.instance_path))}"
                       for error in validator.iter_errors(body)]
