"""The bench's command line."""

from __future__ import annotations

import argparse
import sys

from bench import wrk as wrk_client
from bench.database import PG_SCHEMA
from bench.routes import ROUTE_KEYS, SCENARIOS, Settings


def new_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """A bench's command line with the options every bench has: which databases."""
    parser = argparse.ArgumentParser(
        prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        action="append",
        default=[],
        help="also run on this PostgreSQL database (repeatable); its tables go in schema "
        f"{PG_SCHEMA}, dropped and made anew, then dropped",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    return parser


def add_rate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="open loop requests per second (default: 40%% of the one-insert reference's "
        "closed-loop rate in the same run)",
    )


def parse_args(argv: list[str] | None, description: str) -> argparse.Namespace:
    parser = new_parser("python -m bench.webhooks", description)
    parser.add_argument("--duration", type=float, default=10, help="closed loop seconds per route (10)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds before each closed loop (2)")
    parser.add_argument("--connections", type=int, default=50, help="closed loop connections (50)")
    add_rate(parser)
    parser.add_argument("--open-duration", type=float, default=10, help="open loop seconds per route (10)")
    parser.add_argument(
        "--waiting", type=int, default=0, help="callers held waiting while every route runs (0: nobody)"
    )
    parser.add_argument(
        "--frozen-rate", type=float, default=200, help="frozen-redis: webhooks per second (200)"
    )
    parser.add_argument(
        "--frozen-duration",
        type=float,
        default=15,
        help="frozen-redis: seconds of the open loop of the flow's webhooks (15)",
    )
    parser.add_argument(
        "--freeze",
        type=float,
        default=5,
        help="frozen-redis: seconds redis-server is stopped, from a third of the run (5)",
    )
    everything = ROUTE_KEYS + list(SCENARIOS)
    parser.add_argument(
        "--routes",
        default=",".join(everything),
        help=f"comma-separated subset of: {', '.join(everything)} (all)",
    )
    parser.add_argument(
        "--generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="closed loop generator: wrk if installed (auto), or the Python one",
    )
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (1: leaves a core to the server)"
    )
    args = parser.parse_args(argv)
    args.routes = [key.strip() for key in args.routes.split(",") if key.strip()]
    unknown = [key for key in args.routes if key not in everything]
    if unknown:
        parser.error(f"unknown route(s): {', '.join(unknown)}")
    if args.no_sqlite and not args.database_url:
        parser.error("--no-sqlite needs a --database-url")
    if args.waiting < 0 or (args.rate is not None and args.rate <= 0):
        parser.error("--waiting must be 0 or more, --rate positive")
    if not 0 < args.freeze < args.frozen_duration * 2 / 3:
        parser.error("--freeze must be positive and end before the frozen-redis run does")
    return args


def settings_from(args: argparse.Namespace, wrk: str | None) -> Settings:
    return Settings(
        duration=args.duration,
        warmup=args.warmup,
        open_duration=args.open_duration,
        connections=args.connections,
        rate=args.rate,
        wrk=wrk,
        wrk_threads=args.wrk_threads,
        routes=args.routes,
        waiting=args.waiting,
        freeze_seconds=args.freeze,
        frozen_duration=args.frozen_duration,
        frozen_rate=args.frozen_rate,
    )


WRK_MISSING = "wrk is not installed (apt-get install wrk): the closed loop uses the Python client"


def describe_generator(wrk: str | None, threads: int, asked: str) -> str:
    if wrk:
        version = wrk_client.wrk_version(wrk)
        return f"{version}, {threads} thread, replaying requests signed beforehand (bench/signed.lua)"
    if asked == "python":
        return "Python asyncio (--generator python)"
    return "Python asyncio (wrk not found; apt-get install wrk for a client that needs less CPU)"


def closed_loop_generator(args: argparse.Namespace) -> str | None:
    """The wrk binary the closed loop uses, or None for the Python client. Installs
    nothing: without wrk it says how to get it and goes on with the Python client;
    `--generator wrk` without wrk stops the bench (SystemExit 2)."""
    wrk = wrk_client.wrk_path() if args.generator in {"auto", "wrk"} else None
    if wrk is None and args.generator == "wrk":
        print(f"{WRK_MISSING.split(':')[0]}; or use --generator python", file=sys.stderr)
        raise SystemExit(2)
    if wrk is None and args.generator == "auto":
        print(WRK_MISSING, file=sys.stderr, flush=True)
    return wrk
