"""Commands (imperative, validated at the edge) and the reply every handler sends back over NATS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

COMMANDS: dict[str, type[Command]] = {}

#: The paths a command arrives by (`Caller.via`): a gateway's signed envelope, a game server's report on
#: `rewards.activity.<kind>` (authenticated by the NATS permissions), a caller in this process (CLIs, tests), or
#: a policy reacting to a stored event.
GATEWAY: Final = "gateway"
ACTIVITY_INGEST: Final = "activity-ingest"
IN_PROCESS: Final = "in-process"
#: A policy (process manager) following the store: an event's follow-up command (commands/policies.py).
POLICY: Final = "policy"
OPERATORS: Final = frozenset({"OPERATOR", "ADMIN"})
#: The role of a service (game server) caller: the gateway's service token, or the activity subjects.
SERVICE: Final = "SERVICE"


@dataclass(frozen=True)
class Access:
    """Who may send a command: by one of `callers`, and as an actor holding any one of `roles` - unless `public`
    (registration, login: anonymous callers). The dispatcher checks it behind the gateway's guards, so a command
    that got past (or around) the gateway still needs the right actor."""

    roles: frozenset[str] = OPERATORS
    public: bool = False
    callers: frozenset[str] = frozenset({GATEWAY, IN_PROCESS})

    def refusal(self, via: str, user_id: str | None, roles: frozenset[str]) -> tuple[str, str] | None:
        """(error code, detail) when the caller may not send the command, else None."""
        if via not in self.callers:
            return "forbidden", f"this command is not accepted from {via}"
        if self.public:
            return None
        if user_id is None:
            return "unauthorized", "this command needs a signed-in actor"
        if not self.roles & roles:
            return "forbidden", f"requires one of the roles {', '.join(sorted(self.roles))}"
        return None


PUBLIC: Final = Access(public=True)


class Fields(BaseModel):
    """A set of fields a client writes, shared by a command and the gateway's HTTP body it is sent from (one shape:
    both refuse the same input). camelCase like every body and message, so a field error's path is the pointer the
    client sent."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Command(BaseModel):
    """A request to change something. The class name is the NATS subject suffix (`rewards.cmd.<Name>`)."""

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True, extra="forbid")

    #: Who may send it (see `Access`), mirroring the gateway's route guards. The default is the back office's
    #: (OPERATOR or ADMIN: events, rewards); a command for anyone else declares its own.
    ACCESS: ClassVar[Access] = Access()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        COMMANDS[cls.__name__] = cls

    @classmethod
    def subject_name(cls) -> str:
        """The NATS subject suffix (`rewards.cmd.<subject_name>`), so a command may have a field called `name`."""
        return cls.__name__


class Ping(Command):
    """Does nothing: measures the bus round trip."""

    ACCESS = PUBLIC


class ErrorBody(BaseModel):
    """Why a command was refused: a domain error's stable `code`, its detail and field errors. No HTTP status or
    title: the bus is not HTTP, and only the gateway maps codes to statuses (gateway/problems.py)."""

    code: str
    detail: str
    errors: list[dict[str, str]] = []


class CommandReply(BaseModel):
    """Outcome of a command: the result, stream version and global position, or a typed error."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    ok: bool
    stream_id: str | None = None
    version: int | None = None
    position: int | None = None
    result: dict[str, Any] | None = None
    error: ErrorBody | None = None

