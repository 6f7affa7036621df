"""The one console command, `reward-ledger`, and its subcommands."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from pydantic import ValidationError

from ops.logging import setup_logging
from ops.servers import ServerStartError
from ops.settings import LogSettings, MissingServers, settings_error_line, validate_environment


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reward-ledger", description="Event-sourced reward platform")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="the whole platform on embedded servers (or the *_URL ones)")
    sub.add_parser("gateway", help="the HTTP gateway alone")
    sub.add_parser("handlers", help="one command-handler replica (queue group)")
    sub.add_parser("relay", help="the event relay to JetStream")
    projectors = sub.add_parser("projectors", help="the projection runners")
    projectors.add_argument("names", nargs="*", help="only these projections (default: all)")
    replay = sub.add_parser("replay", help="rebuild projections from the store, then switch to them")
    replay.add_argument("name", nargs="?", help="the projection to rebuild")
    replay.add_argument("--all", action="store_true", help="rebuild every projection")
    admin = sub.add_parser("admin", help="user administration").add_subparsers(dest="admin_command", required=True)
    create = admin.add_parser("create", help="create an ADMIN (or promote an existing user to ADMIN)")
    create.add_argument("--email", required=True)
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    seed = sub.add_parser("seed-demo", help="a realistic demo data set (staff, players, events, rewards, activities)")
    seed.add_argument("--users", type=int, default=50, help="how many players (default 50)")
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


def _dispatch(args: argparse.Namespace) -> int:
    from ops import parts

    match args.command:
        case "run":
            from ops.supervisor import run_platform

            return run_platform()
        case "gateway":
            parts.run_gateway()
        case "handlers":
            asyncio.run(parts.run_handlers())
        case "relay":
            asyncio.run(parts.run_relay())
        case "projectors":
            asyncio.run(parts.run_projectors(args.names))
        case "replay":
            from ops.replay_cli import replay_main

            return asyncio.run(replay_main(args.name, args.all))
        case "admin":
            from ops.admin_cli import create_admin_main

            return asyncio.run(create_admin_main(args.email, args.password_stdin))
        case "seed-demo":
            from ops.seed_demo import seed_demo_main

            return asyncio.run(seed_demo_main(args.users, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
