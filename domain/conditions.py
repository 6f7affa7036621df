"""The reward-condition rule language (SPEC "Conditions"), version 1.

A rule is a JSON object with exactly one key: a leaf over user activity facts (`login_days`, `invites`,
`purchase_total`, `checkins`, `quest_completed`, `level`) or a combinator (`all`, `any`, `not`). The original system
stored free-form JSON and never checked it; here a rule is parsed into frozen, typed nodes when it is written, and
every problem is reported at once with a JSON pointer relative to the rule root, so one 422 lists them all.

Decisions:
- `None` or `{}` at the root means "always eligible" and parses to `None`; an empty object deeper down is an error.
- `all`/`any` must list at least one rule: an empty list reads like "nothing required" to one operator and "never"
  to another, so we refuse it rather than pick a meaning. `all_of()` combines conditions in code.
- Caps (depth, node count, integer and string sizes) keep evaluation cheap and stored documents small.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Final, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from domain.errors import FieldError, InvalidInput, escape_pointer, json_pointer
from domain.types import SingleLine

LANGUAGE_VERSION: Final = 1
MAX_DEPTH: Final = 8
MAX_NODES: Final = 64
MAX_AMOUNT: Final = 10**12
MAX_LOGIN_DAYS: Final = 3660
MAX_STRING: Final = 64

Amount = Annotated[int, Field(ge=0, le=MAX_AMOUNT)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
QuestId = Annotated[SingleLine, StringConstraints(min_length=1, max_length=MAX_STRING)]


class Rule(BaseModel):
    """Base of every node. Strict: `true` is not the integer 1 and `"3"` is not 3."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid", validate_by_name=True, validate_by_alias=True)
    key: ClassVar[str]


class LoginDays(Rule):
    """Distinct UTC days with a login in the period; with `consecutive`, the longest unbroken run of them."""

    key = "login_days"
    min: int = Field(ge=0, le=MAX_LOGIN_DAYS)
    consecutive: bool = False


class Invites(Rule):
    key = "invites"
    min: Amount


class PurchaseTotal(Rule):
    """Sum of purchase amounts (minor units); without `currency`, every currency is summed (one-currency apps)."""

    key = "purchase_total"
    min: Amount
    currency: Currency | None = None


class Checkins(Rule):
    key = "checkins"
    min: Amount


class QuestCompleted(Rule):
    key = "quest_completed"
    quest_id: QuestId = Field(alias="questId")


class Level(Rule):
    key = "level"
    min: Amount


class AllOf(Rule):
    key = "all"
    rules: tuple[Condition, ...] = Field(min_length=1)


class AnyOf(Rule):
    key = "any"
    rules: tuple[Condition, ...] = Field(min_length=1)


class Not(Rule):
    key = "not"
    rule: Condition


Leaf: TypeAlias = LoginDays | Invites | PurchaseTotal | Checkins | QuestCompleted | Level
Condition: TypeAlias = Leaf | AllOf | AnyOf | Not

for _model in (AllOf, AnyOf, Not):
    _model.model_rebuild()

LEAVES: Final[dict[str, type[Leaf]]] = {
    cls.key: cls for cls in (LoginDays, Invites, PurchaseTotal, Checkins, QuestCompleted, Level)
}
_KNOWN_KEYS: Final = ", ".join([*LEAVES, "all", "any", "not"])


class ConditionError(InvalidInput, ValueError):
    """A rule that breaks the language. `errors` paths are relative to the rule root ("" is the root itself).

    It is an `InvalidInput` so that even an unprefixed one reaches the client as a 422, never a 500.
    """

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"invalid condition ({len(errors)} problem(s))", errors)
        self.code = "invalid-condition"

    def at(self, prefix: str) -> ConditionError:
        """The same errors under `prefix` (e.g. "/rewardCondition"), as a pointer into the request body."""
        return ConditionError([FieldError(prefix + e.path, e.message) for e in self.errors])


class _Parser:
    """Walks raw JSON once, collecting every error, and stops early when the node budget is spent."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.nodes = 0

    def error(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def rule(self, raw: object, path: str, depth: int) -> Condition | None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.nodes == MAX_NODES + 1:
                self.error(path, f"a condition may have at most {MAX_NODES} rules")
            return None
        if depth > MAX_DEPTH:
            self.error(path, f"rules may nest at most {MAX_DEPTH} levels deep")
            return None
        if not isinstance(raw, dict) or len(raw) != 1:
            got = f"an object with {len(raw)} keys" if isinstance(raw, dict) else type(raw).__name__
            self.error(path, f"a rule must be an object with exactly one key, got {got}")
            return None
        [(key, body)] = raw.items()
        sub = f"{path}/{escape_pointer(str(key))}"
        if key in LEAVES:
            return self.leaf(LEAVES[key], body, sub)
        if key in ("all", "any"):
            return self.combinator(AllOf if key == "all" else AnyOf, body, sub, depth)
        if key == "not":
            child = self.rule(body, sub, depth + 1)
            return Not(rule=child) if child is not None else None
        self.error(sub, f"unknown rule {str(key)[:MAX_STRING]!r}; expected one of {_KNOWN_KEYS}")
        return None

    def combinator(self, model: type[AllOf] | type[AnyOf], body: object, path: str, depth: int) -> Condition | None:
        if not isinstance(body, list):
            self.error(path, "must be a list of rules")
            return None
        if not body:
            self.error(path, "must list at least one rule")
            return None
        children: list[Condition | None] = []
        for index, item in enumerate(body):
            if self.nodes >= MAX_NODES + 1:
                break
            children.append(self.rule(item, f"{path}/{index}", depth + 1))
        rules = tuple(child for child in children if child is not None)
        return model(rules=rules) if len(rules) == len(body) else None

    def leaf(self, model: type[Leaf], body: object, path: str) -> Leaf | None:
        if not isinstance(body, dict):
            self.error(path, "must be an object")
            return None
        try:
            return model.model_validate(body, by_alias=True, by_name=False)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                pointer = json_pointer(err["loc"])
                self.error(path + pointer, err["msg"])
            return None


def parse_condition(raw: object) -> Condition | None:
    """Parse a v1 rule from decoded JSON; `None`/`{}` is "always eligible". Raises `ConditionError`."""
    if raw is None or (isinstance(raw, dict) and not raw):
        return None
    parser = _Parser()
    condition = parser.rule(raw, "", 1)
    if parser.errors or condition is None:
        raise ConditionError(parser.errors or [FieldError("", "invalid rule")])
    return condition


def condition_to_json(condition: Condition | None) -> dict[str, Any] | None:
    """The JSON form; `parse_condition(condition_to_json(c)) == c`, and a parsed rule serialises as it was written."""
    return None if condition is None else _to_json(condition)


def _to_json(condition: Condition) -> dict[str, Any]:
    if isinstance(condition, AllOf | AnyOf):
        return {condition.key: [_to_json(rule) for rule in condition.rules]}
    if isinstance(condition, Not):
        return {condition.key: _to_json(condition.rule)}
    return {condition.key: condition.model_dump(by_alias=True, exclude_unset=True)}


def all_of(*conditions: Condition | None) -> Condition | None:
    """Both the event's `rewardCondition` and the event reward's `condition` must hold; an absent one holds."""
    present = tuple(c for c in conditions if c is not None)
    if not present:
        return None
    return present[0] if len(present) == 1 else AllOf(rules=present)


# Rules are stored with the language version they were written in. When version N+1 changes the syntax, add
# `_UPCASTERS[N] = <function turning a vN rule into a vN+1 rule>`; `upcast_condition` chains them on read.
_UPCASTERS: dict[int, Callable[[object], object]] = {}


def upcast_condition(raw: object, version: int) -> object:
    """Bring a stored rule written in `version` up to `LANGUAGE_VERSION` (identity for v1), before parsing it."""
    if not 1 <= version <= LANGUAGE_VERSION:
        raise ValueError(f"unknown condition language version {version}")
    while version < LANGUAGE_VERSION:
        raw = _UPCASTERS[version](raw)
        version += 1
    return raw
