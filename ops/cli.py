"""The one console command, `reward-ledger`, and its subcommands (Typer).

Why the imports are lazy: every part runs as `python -m ops.cli <part>`, so what this module imports, every part
carries. Each subcommand imports its own code when it runs; the help texts that need more (the environment variables,
the read models) are written only when help is asked for (`_Help`)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Callable, Coroutine
from importlib.metadata import version
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from typer.core import TyperCommand

from base.logging import setup_logging
from base.settings import (
    AuthSettings,
    DataSettings,
    GatewaySettings,
    LayoutSettings,
    LogSettings,
    MetricsSettings,
    MissingServers,
    MongoSettings,
    NatsSettings,
    RedisSettings,
    ReplaySettings,
    settings_error_line,
    validate_environment,
)
from ops.servers import ServerStartError

log = logging.getLogger("ledger.cli")
#: Seconds a stopped part waits for leftover tasks before it exits anyway.
STOP_GRACE = 5.0

_PART = (NatsSettings, MongoSettings, MetricsSettings, LayoutSettings)
#: The settings classes each subcommand reads, beside DATA_DIR and LOG_LEVEL, which all read; `--help` lists their
#: variables (ops/config_docs.py, the one reader of the settings classes for documentation).
READS: dict[str, tuple[type[Any], ...]] = {
    "run": (GatewaySettings, LayoutSettings, NatsSettings, MongoSettings, RedisSettings),
    "gateway": (GatewaySettings, NatsSettings, MongoSettings, RedisSettings, AuthSettings, LayoutSettings),
    "handlers": (*_PART, AuthSettings), "relay": _PART, "projectors": _PART, "grant-consumer": _PART,
    "replay": (MongoSettings, ReplaySettings), "create": (MongoSettings,), "seed-demo": (MongoSettings,),
}


class _Help(TyperCommand):
    """A subcommand whose help ends with the environment variables it reads (and, for `replay`, the read models),
    rendered only when help is shown."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from ops.config_docs import variables

        names = variables((DataSettings, LogSettings, *READS.get(self.name or "", ())))
        notes = [f"Environment: {', '.join(names)} (docs/configuration.md)."]
        if self.name == "replay":
            from projections.registry import all_projections

            notes.insert(0, f"Read models: {', '.join(all_projections())}.")
        self.epilog = "\n\n".join(notes)
        super().format_help(ctx, formatter)


def _version(show: bool) -> None:
    if show:
        print(f"reward-ledger {version('reward-ledger')}")
        raise typer.Exit


app = typer.Typer(name="reward-ledger", help="Reward Ledger: an event-sourced reward platform.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})
admin = typer.Typer(help="User administration.", no_args_is_help=True)
app.add_typer(admin, name="admin")


@app.callback()
def _main(_: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False) -> None:
    """Reward Ledger: an event-sourced reward platform. `reward-ledger run` starts all of it on this machine."""


def _start(command: str, work: Callable[[], int]) -> None:
    """Validate the environment, set up logging, run `work`: a bad setting or a missing server is one line and
    exit 2, Ctrl-C exit 130."""
    os.umask(0o077)  # data, keys, logs and run.json are the operator's alone
    try:
        validate_environment()
    except ValidationError as exc:
        _fail(command, settings_error_line(exc))
    setup_logging(os.environ.get("PART_NAME", command.split()[0]), LogSettings().level)
    try:
        code = work()
    except (MissingServers, ServerStartError) as exc:
        _fail(command, str(exc))
    except KeyboardInterrupt:
        code = 130
    raise typer.Exit(code)


def _fail(command: str, line: str) -> NoReturn:
    print(f"reward-ledger {command}: {line}", file=sys.stderr)
    raise typer.Exit(2)


@app.command(cls=_Help)
def run() -> None:
    """The whole platform on embedded servers (or the *_URL ones), each part its own process."""
    def work() -> int:  # the supervisor imports none of the parts' code: it only starts them (memory)
        from ops.supervisor import run_platform

        return run_platform()

    _start("run", work)


def _part(name: str, main: Callable[[Any], None]) -> None:
    """Start a part. Alone (not under `run`) and with a server it needs down, it stops at once naming the server
    and its variable; under `run` (PART_NAME set) it starts anyway and its clients retry, as the supervisor restarts
    servers."""
    def work() -> int:
        # nats-py imports aiohttp, for a WebSocket transport the parts do not use, whenever it is installed (the load
        # test's client, in the dev extra): ~10 MB in every part. Marked absent here, nats-py goes without it.
        sys.modules.setdefault("aiohttp", None)  # type: ignore[arg-type]
        from ops import parts
        from ops.preflight import check_servers

        if not os.environ.get("PART_NAME"):
            check_servers(redis=name == "gateway")
        main(parts)
        return 0

    _start(name, work)


@app.command(cls=_Help)
def gateway() -> None:
    """The HTTP gateway alone."""
    _part("gateway", lambda parts: parts.run_gateway())


@app.command(cls=_Help)
def handlers() -> None:
    """One command-handler replica (a queue group member)."""
    _part("handlers", lambda parts: _run_part(parts.run_handlers()))


@app.command(cls=_Help)
def relay() -> None:
    """The event relay to JetStream."""
    _part("relay", lambda parts: _run_part(parts.run_relay()))


@app.command(cls=_Help)
def projectors(names: Annotated[list[str] | None, typer.Argument(
                   help="Only these projections (default: all; `replay --help` lists them).")] = None,
               relay: Annotated[bool, typer.Option(
                   "--relay", help="Run the relay in this process too (as `run` does unless RELAY_APART).")] = False,
               ) -> None:
    """The projection runners."""
    _part("projectors", lambda parts: _run_part(parts.run_projectors(names or [], relay=relay)))


@app.command("grant-consumer", cls=_Help)
def grant_consumer() -> None:
    """The downstream example: apply RewardGranted from JetStream, once each."""
    _part("grant-consumer", lambda parts: _run_part(parts.run_grant_consumer()))


@app.command(cls=_Help)
def replay(name: Annotated[str | None, typer.Argument(help="The read model to rebuild (listed below).")] = None,
           everything: Annotated[bool, typer.Option("--all", help="Rebuild every read model.")] = False) -> None:
    """Rebuild read models from the store aside, then switch to them (progress with rate and ETA on stderr)."""
    def work() -> int:
        from ops.replay_cli import UnknownProjection, choose, replay_main

        try:
            chosen = choose(name, everything)
        except UnknownProjection as exc:
            _fail("replay", str(exc))

        async def go(ctx: Any) -> int:
            return await replay_main(ctx.db, ctx.store, ctx.replay.drop_grace, chosen)
        return _on_store(go)

    _start("replay", work)


@admin.command(cls=_Help)
def create(email: Annotated[str, typer.Option(help="The admin's email; an existing user is promoted to ADMIN.")],
           password_stdin: Annotated[bool, typer.Option(
               "--password-stdin", help="Read the password from standard input (else a prompt on a terminal).")]
           = False) -> None:
    """Create an ADMIN (or promote an existing user to ADMIN). Needs only the event store."""
    def work() -> int:
        from ops.admin_cli import create_admin_main, read_password

        password = read_password(password_stdin)

        async def go(ctx: Any) -> int:
            return await create_admin_main(ctx.store, email, password)
        return _on_store(go)

    _start("admin create", work)


@app.command("seed-demo", cls=_Help)
def seed_demo(users: Annotated[int, typer.Option(help="How many players.")] = 50,
              events: Annotated[int, typer.Option(
                  help="Promotions beyond the four demo events, with requests on them.")] = 0,
              days: Annotated[int, typer.Option(help="Days of players' activity history.")] = 14,
              seed: Annotated[int, typer.Option(
                  help="The same seed gives the same data; rerunning adds nothing.")] = 42) -> None:
    """A realistic demo data set (staff, players, events, rewards, activities), with progress on stderr."""
    def work() -> int:
        from ops.seed_demo import seed_demo_main

        async def go(ctx: Any) -> int:
            return await seed_demo_main(ctx.store, users, seed, events, days)
        return _on_store(go)

    _start("seed-demo", work)


def _on_store(work: Callable[[Any], Coroutine[Any, Any, int]]) -> int:
    """Run `work` on the store in this process (ops/bootstrap.py `in_process`). An unreachable store is one line
    naming it and its variable, exit 2, for every CLI alike (`_start` says it)."""
    from ops.preflight import check_store, down

    check_store()  # known at once, before importing the store's code; pymongo would retry for seconds
    from pymongo.errors import ConnectionFailure

    from ops.bootstrap import in_process

    async def go() -> int:
        async with in_process() as ctx:
            return await work(ctx)

    try:
        return asyncio.run(go())
    except ConnectionFailure as exc:
        raise down("the event store", "MONGO_URL", MongoSettings().url,
                   f"did not answer ({type(exc).__name__})") from exc


def subcommands() -> set[str]:
    """The top-level subcommand names (compose's services are checked against them)."""
    group = typer.main.get_group(app)
    return set(group.commands)


def _exit_after(seconds: float, code: int, loop: asyncio.AbstractEventLoop) -> None:
    """Exit the process in `seconds` unless it has exited by then (a daemon timer)."""
    def force() -> None:
        stuck = sorted({getattr(t.get_coro(), "__qualname__", t.get_name()) for t in asyncio.all_tasks(loop)})
        log.warning("part stopped, but tasks %s did not end within %.0fs; exiting anyway", stuck, seconds)
        logging.shutdown()
        os._exit(code)

    timer = threading.Timer(seconds, force)
    timer.daemon = True
    timer.start()


async def _bounded(main: Coroutine[Any, Any, None]) -> None:
    """Run a part; once it has stopped its clients, give leftover library tasks STOP_GRACE seconds to end.
    `asyncio.run` waits for every cancelled task, and nats-py's `Client._attempt_reconnect` swallows its cancel
    when NATS died in the same instant (as when `run` is SIGKILLed: PDEATHSIG reaches parts and servers at once):
    the SIGTERM arrived and was handled, the part stopped its clients, and the process never exited."""
    loop = asyncio.get_running_loop()
    try:
        await main
    except BaseException:
        _exit_after(STOP_GRACE, 1, loop)
        raise
    _exit_after(STOP_GRACE, 0, loop)


def _run_part(main: Coroutine[Any, Any, None]) -> None:
    """Run a part on the event loop EVENT_LOOP names: uvloop by default (less CPU per message on loopback sockets,
    docs/performance.md), as the gateway's uvicorn."""
    if LayoutSettings().event_loop == "UVLOOP":
        import uvloop

        uvloop.run(_bounded(main))
    else:
        asyncio.run(_bounded(main))


def main(argv: list[str] | None = None) -> int:
    """The console script: the exit code of the subcommand (2 bad settings or servers, 130 Ctrl-C)."""
    try:
        app(args=argv, prog_name="reward-ledger")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
