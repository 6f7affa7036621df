"""The one error hierarchy of the gateway and the one place it becomes HTTP: RFC 9457 problem+json bodies
`{type, title, status, detail, errors?: [{path, message}]}`, where `path` is a JSON pointer into the request body."""

from __future__ import annotations

import logging
from typing import Any, Final

from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.serialization import encode_json

from base.logging import correlation_id
from domain.errors import DomainError, json_pointer
from gateway.outages import outage_response

log = logging.getLogger("ledger.gateway")
PROBLEM_MEDIA_TYPE = "application/problem+json"
#: The one table from an error code (a domain error's, a command reply's, or the gateway's own) to HTTP: status and
#: title. The first code listed for a status is the one an error raised by status alone gets.
PROBLEMS: dict[str, tuple[int, str]] = {
    "bad-request": (400, "Bad request"), "unauthorized": (401, "Unauthorized"), "forbidden": (403, "Forbidden"),
    "not-found": (404, "Not found"), "method-not-allowed": (405, "Method not allowed"), "conflict": (409, "Conflict"),
    "payload-too-large": (413, "Payload too large"), "unsupported-media-type": (415, "Unsupported media type"),
    "validation-failed": (422, "Validation failed"), "invalid-input": (422, "Validation failed"),
    "domain-error": (422, "Rule violated"), "too-many-requests": (429, "Too many requests"),
    "internal-error": (500, "Internal error"), "unavailable": (503, "Service unavailable"),
}
#: A code the table does not know is a rule the domain refuses.
_FOR_UNKNOWN_CODE: Final = PROBLEMS["domain-error"]
_SLUGS: Final = {status: code for code, (status, _) in reversed(PROBLEMS.items())}
_TITLES: Final = {status: title for status, title in reversed(PROBLEMS.values())}


def status_for(code: str) -> int:
    """The HTTP status a refusal with this code answers with."""
    return PROBLEMS.get(code, _FOR_UNKNOWN_CODE)[0]


class AppError(Exception):
    """Raise anywhere in the gateway; the handler below renders it. `errors` are `{path, message}` dicts."""

    status = 400

    def __init__(self, detail: str, errors: list[dict[str, str]] | None = None, *, status: int | None = None,
                 title: str | None = None, code: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status or self.status
        self.detail, self.errors = detail, errors or []
        self.title = title or _TITLES.get(self.status, "Error")
        self.code = code or _SLUGS.get(self.status, "error")
        self.headers = headers or {}

    @classmethod
    def for_code(cls, code: str, detail: str, errors: list[dict[str, str]] | None = None) -> AppError:
        """The error for a code from below the gateway (a command reply's, a domain error's)."""
        status, title = PROBLEMS.get(code, _FOR_UNKNOWN_CODE)
        return cls(detail, errors, status=status, title=title, code=code)

    @classmethod
    def from_domain(cls, exc: DomainError) -> AppError:
        return cls.for_code(exc.code, exc.detail, [e.to_json() for e in exc.errors])


class BadRequest(AppError):
    status = 400

    @classmethod
    def parameter(cls, name: str, message: str) -> BadRequest:
        """A request parameter the route's own checks refused, named by a pointer as Litestar's checks name one."""
        return cls(f"bad request parameter {name}: {message}", [{"path": f"/{name}", "message": message}])


class Unauthorized(AppError):
    status = 401


class Forbidden(AppError):
    status = 403


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    status = 409


class Unprocessable(AppError):
    status = 422


class TooManyRequests(AppError):
    status = 429


class Unavailable(AppError):
    status = 503


def problem_body(status: int, detail: str, errors: list[dict[str, str]] | None = None, *, title: str | None = None,
                 code: str | None = None) -> bytes:
    body: dict[str, Any] = {"type": f"/problems/{code or _SLUGS.get(status, 'error')}",
                            "title": title or _TITLES.get(status, "Error"), "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return encode_json(body)


def problem(status: int, detail: str, errors: list[dict[str, str]] | None = None, *, title: str | None = None,
            code: str | None = None, headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(problem_body(status, detail, errors, title=title, code=code), status_code=status,
                    media_type=PROBLEM_MEDIA_TYPE, headers=headers)


async def send_problem(send: Any, status: int, detail: str, errors: list[dict[str, str]] | None = None,
                       headers: dict[str, str] | None = None) -> None:
    """The same body straight onto an ASGI `send`, for middleware that answers before routing."""
    raw_headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": problem_body(status, detail, errors)})


def _wire_names(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Python parameter name → the name a client writes (`in_period` → `inPeriod`), over the route handler and
    its dependencies (paging, minPosition)."""
    handler = request.scope.get("route_handler")
    if handler is None:
        return {}
    signatures = [handler.parsed_fn_signature,
                  *(getattr(p, "parsed_fn_signature", None) for p in handler.resolve_dependencies().values())]
    names: dict[str, str] = {}
    for signature in filter(None, signatures):
        for name, parameter in signature.parameters.items():
            definition = parameter.kwarg_definition
            # as litestar's own parameter definitions resolve it: `name=`, else the legacy `query=`/`header=`/...
            aliases = (getattr(definition, kind, None) for kind in ("name", "query", "header", "cookie"))
            names[name] = next(filter(None, aliases), name)
    return names


def _validation_problem(request: Request[Any, Any, Any], exc: ValidationException) -> Response[bytes]:
    """Body schema errors are 422 with pointers; a missing or bad query, path or header parameter is 400, named as
    the client wrote it."""
    cause = exc.__cause__
    if isinstance(cause, KeyError):  # litestar: a required parameter is absent; the key is its wire name
        name = str(cause.args[0])
        return problem(400, f"missing required parameter {name}", [{"path": f"/{name}", "message": "required"}])
    details = getattr(cause, "errors", None)
    details = details() if callable(details) else details
    if isinstance(details, list) and details and all(isinstance(e, dict) and "loc" in e for e in details):
        errors = [{"path": json_pointer(e["loc"]), "message": str(e.get("msg", "invalid"))} for e in details]
        return problem(422, "the request body breaks the schema", errors)
    extra = [e for e in exc.extra if isinstance(e, dict)] if isinstance(exc.extra, list) else []
    parameters = [e for e in extra  # `source` is litestar's ParamType, a str-mixin Enum: compare its value
                  if getattr(e.get("source"), "value", e.get("source")) in {"query", "path", "header", "cookie"}]
    if parameters:
        wire = _wire_names(request)
        names = [wire.get(str(e.get("key", "")), str(e.get("key", ""))) for e in parameters]
        errors = [{"path": f"/{name}", "message": str(e.get("message", "invalid"))}
                  for name, e in zip(names, parameters, strict=True)]
        return problem(400, f"invalid request parameter {', '.join(names)}", errors)
    errors = [{"path": "/" + str(e.get("key", "")).replace(".", "/"), "message": str(e.get("message", "invalid"))}
              for e in extra]
    return problem(422, "the request body breaks the schema", errors)


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    if isinstance(exc, AppError):
        return problem(exc.status, exc.detail, exc.errors, title=exc.title, code=exc.code, headers=exc.headers)
    if isinstance(exc, DomainError):  # a rule checked in the gateway itself (the condition preview)
        return handle_exception(request, AppError.from_domain(exc))
    if isinstance(exc, ValidationException):
        return _validation_problem(request, exc)
    if isinstance(exc, RequestEntityTooLarge):
        return problem(413, "the request body is too large")
    if isinstance(exc, HTTPException):
        detail = exc.detail
        if exc.status_code == 400 and isinstance(exc.__cause__, SerializationException):
            detail = f"malformed JSON body: {exc.detail}"
        return problem(exc.status_code, str(detail), headers=dict(exc.headers or {}))
    if (outage := outage_response(exc)) is not None:
        return outage
    correlation_id.set(request.scope.get("state", {}).get("correlation_id"))
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "internal error; the correlation id in the response headers identifies it in the logs")
