"""Field types that stay strict however they are validated.

Litestar validates request bodies with `model_validate(strict=False)`, which overrides `Field(strict=True)`, so
`"5"` would pass as 5, `true` as 1 and a number as a Unix time. These types check the JSON type themselves, before
pydantic converts anything, so the gateway and the handlers refuse the same inputs."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _exactly(kind: type, kind_name: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise PydanticCustomError(f"{kind.__name__}_type", f"Input should be a valid {kind_name}")
        return value

    return check


def _time_text(value: Any) -> Any:
    # pydantic reads "12" as a Unix time too: a time must at least start with its date.
    if not isinstance(value, datetime) and not (isinstance(value, str) and _ISO_DATE.match(value)):
        raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 date-time string")
    return value


StrictInt = Annotated[int, BeforeValidator(_exactly(int, "integer"))]
StrictBool = Annotated[bool, BeforeValidator(_exactly(bool, "boolean"))]
def _within_utc_years(value: datetime) -> datetime:
    # "0001-01-01T00:00:00+14:00" is a valid aware time whose UTC form is before year 1: converting it (the store,
    # `to_ms`) overflows. Refuse what has no UTC form here, where the field is known.
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "Input should be a time between years 1 and 9999 in UTC") from None
    return value


#: An ISO 8601 time with a zone (`2026-11-25T10:00:00Z`) that has a UTC form; numbers are not read as Unix times.
IsoTime = Annotated[AwareDatetime, BeforeValidator(_time_text), AfterValidator(_within_utc_years)]


# Characters no name, id or description needs and attackers like: C0/C1 controls (NUL truncates in C code, escape
# sequences drive terminals and logs) and the bidi overrides/isolates that make "txt.exe" display as "exe.txt".
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_NOT_IN_A_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI_CONTROLS}]")
_NOT_IN_TEXT = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI_CONTROLS}]")  # as above, but \n is allowed


def _refusing(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if found := pattern.search(value):
            raise PydanticCustomError("control_character", "{what} must not contain U+{code} (a control or bidi "
                                      "formatting character)", {"what": what, "code": f"{ord(found.group()):04X}"})
        return value

    return check


#: One line of text (names, ids, codes): no control or bidi formatting characters.
ONE_LINE: Final = AfterValidator(_refusing(_NOT_IN_A_LINE, "a single-line text"))
SingleLine = Annotated[str, ONE_LINE]
#: A name: one line, surrounding whitespace removed, 1-200 characters counted after the trim. Constrained on `str`
#: itself: constraints on `SingleLine` checked the length before the trim, so "  " passed as an empty name (and a
#: stored one failed to read back).
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), ONE_LINE]
#: An id from outside (an item or badge id): as `Name`, at most 128 characters.
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128), ONE_LINE]
#: Free text that may span lines (descriptions): like `SingleLine`, but `\n` is allowed.
MultiLine = Annotated[str, AfterValidator(_refusing(_NOT_IN_TEXT, "a text"))]


def wire_named(wire: str, **constraints: Any) -> Any:
    """A field whose name in messages, bodies and stored documents (`wire`) differs from its name in code: the
    promotion's `promotion_id` is `eventId` outside. Validation and serialisation aliases rather than `alias`, so
    type checkers keep the code name as the constructor's keyword."""
    return Field(validation_alias=wire, serialization_alias=wire, **constraints)
