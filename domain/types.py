"""Field types that stay strict however they are validated.

Litestar validates request bodies with `model_validate(strict=False)`, which overrides `Field(strict=True)`, so
`"5"` would pass as 5, `true` as 1 and a number as a Unix time. These types check the JSON type themselves, before
pydantic converts anything, so the gateway and the handlers refuse the same inputs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError


def _exactly(kind: type, kind_name: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise PydanticCustomError(f"{kind.__name__}_type", f"Input should be a valid {kind_name}")
        return value

    return check


def _time_text(value: Any) -> Any:
    if not isinstance(value, str | datetime):
        raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 date-time string")
    return value


StrictInt = Annotated[int, BeforeValidator(_exactly(int, "integer"))]
StrictBool = Annotated[bool, BeforeValidator(_exactly(bool, "boolean"))]
#: An ISO 8601 time with a zone (`2026-11-25T10:00:00Z`); numbers are not read as Unix times.
IsoTime = Annotated[AwareDatetime, BeforeValidator(_time_text)]
