"""The one console command, `reward-ledger`, and its subcommands."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import threading
from collections.abc import Coroutine
from typing import Any

from pydantic import ValidationError

from base.logging import setup_logging
from base.settings import LayoutSettings, LogSettings, MissingServers, settings_error_line, validate_environment
from ops.servers import ServerStartError

log = logging.getLogger("ledger.cli")
#: Seconds a stopped part waits for leftover tasks before it exits anyway.
STOP_GRACE = 5.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reward-ledger", description="Event-sourced reward platform")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="the whole platform on embedded servers (or the *_URL ones)")
    sub.add_parser("gateway", help="the HTTP gateway alone")
    sub.add_parser("handlers", help="one command-handler replica (queue group)")
    sub.add_parser("relay", help="the event relay to JetStream")
    projectors = sub.add_parser("projectors", help="the projection runners")
    projectors.add_argument("names", nargs="*", help="only these projections (default: all)")
    projectors.add_argument("--relay", action="store_true",
                            help="run the relay in this process too (as `run` does unless RELAY_APART)")
    sub.add_parser("grant-consumer", help="the downstream example: apply RewardGranted from JetStream, once each")
    replay = sub.add_parser("replay", help="rebuild projections from the store, then switch to them")
    replay.add_argument("name", nargs="?", help="the projection to rebuild")
    replay.add_argument("--all", action="store_true", help="rebuild every projection")
    admin = sub.add_parser("admin", help="user administration").add_subparsers(dest="admin_command", required=True)
    create = admin.add_parser("create", help="create an ADMIN (or promote an existing user to ADMIN)")
    create.add_argument("--email", required=True)
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    seed = sub.add_parser("seed-demo", help="a realistic demo data set (staff, players, events, rewards, activities)")
    seed.add_argument("--users", type=int, default=50, help="how many players (default 50)")
    seed.add_argument("--events", type=int, default=0,
                      help="promotions beyond the four demo events, with requests on them (default 0)")
    seed.add_argument("--days", type=int, default=14, help="days of players' activity history (default 14)")
    seed.add_argument("--seed", type=int, default=42, help="the same seed gives the same data; rerunning adds nothing")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.umask(0o077)  # data, keys, logs and run.json are the operator's alone
    try:
        validate_environment()
    except ValidationError as exc:
        print(f"reward-ledger {args.command}: {settings_error_line(exc)}", file=sys.stderr)
        return 2
    setup_logging(os.environ.get("PART_NAME", args.command), LogSettings().level)
    try:
        return _dispatch(args)
    except (MissingServers, ServerStartError) as exc:
        print(f"reward-ledger {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


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


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":  # the supervisor imports none of the parts' code: it only starts them (memory)
        from ops.supervisor import run_platform

        return run_platform()
    if args.command in ("replay", "admin", "seed-demo"):
        return asyncio.run(_in_process(args))
    # nats-py imports aiohttp, for a WebSocket transport the parts do not use, whenever it is installed (the load
    # test's client, in the dev extra): ~10 MB in every part. Marked absent here, nats-py goes without it.
    sys.modules.setdefault("aiohttp", None)  # type: ignore[arg-type]
    from ops import parts

    match args.command:
        case "gateway":
            parts.run_gateway()
        case "handlers":
            _run_part(parts.run_handlers())
        case "relay":
            _run_part(parts.run_relay())
        case "projectors":
            _run_part(parts.run_projectors(args.names, relay=args.relay))
        case "grant-consumer":
            _run_part(parts.run_grant_consumer())
    return 0


async def _in_process(args: argparse.Namespace) -> int:
    """The CLIs that run on the store in this process, each handed it by the composition root. An unreachable store
    is one line and exit 2, for all of them alike."""
    from pymongo.errors import ConnectionFailure

    try:
        return await _run_in_process(args)
    except ConnectionFailure as exc:
        print(f"reward-ledger {args.command}: the event store is unreachable ({type(exc).__name__}); is "
              "`reward-ledger run` up, or MONGO_URL right?", file=sys.stderr)
        return 2


async def _run_in_process(args: argparse.Namespace) -> int:
    from ops.bootstrap import in_process

    match args.command:
        case "replay":
            from ops.replay_cli import replay_main

            async with in_process() as ctx:
                return await replay_main(ctx.db, ctx.store, ctx.replay.drop_grace, args.name, args.all)
        case "admin":
            from ops.admin_cli import create_admin_main, read_password

            password = read_password(args.password_stdin)
            async with in_process() as ctx:
                return await create_admin_main(ctx.store, args.email, password)
        case _:
            from ops.seed_demo import seed_demo_main

            async with in_process() as ctx:
                return await seed_demo_main(ctx.store, args.users, args.seed, args.events, args.days)

if __name__ == "__main__":
    sys.exit(main())
