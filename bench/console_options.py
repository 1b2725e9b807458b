"""bench/console.py's command line."""

from __future__ import annotations

import argparse

from bench.options import add_rate, new_parser


def parse_args(argv: list[str] | None, description: str) -> argparse.Namespace:
    parser = new_parser("python -m bench.console", description)
    parser.add_argument("--consoles", type=int, default=20, help="logged-in consoles, one operator each (20)")
    parser.add_argument("--calls-rate", type=float, default=10, help="callers arriving per second (10)")
    parser.add_argument("--calls-duration", type=float, default=20, help="seconds of arriving callers (20)")
    parser.add_argument(
        "--hang-up-after",
        type=float,
        default=0.5,
        help="seconds a caller waits in the queue, then hangs up (0.5)",
    )
    parser.add_argument("--transport", choices=("websocket", "polling"), default="websocket")
    parser.add_argument(
        "--waiting", type=int, default=1500, help="callers waiting for the webhooks' runs (1500)"
    )
    add_rate(parser)
    parser.add_argument("--open-duration", type=float, default=5, help="open loop seconds per route (5)")
    parser.add_argument("--duration", type=float, default=3, help="closed loop seconds per route (3)")
    parser.add_argument("--warmup", type=float, default=1, help="warm-up seconds (1)")
    parser.add_argument("--connections", type=int, default=50, help="closed loop connections (50)")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    args = parser.parse_args(argv)
    if args.no_sqlite and not args.database_url:
        parser.error("--no-sqlite needs a --database-url")
    if args.consoles < 1 or args.calls_rate <= 0 or args.calls_duration <= 0:
        parser.error("--consoles, --calls-rate and --calls-duration must be positive")
    return args
