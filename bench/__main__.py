"""`python -m bench [webhooks|console|logins|callbacks|all] [options]`: the benchmarks (bin/bench runs this).

    python -m bench webhooks --duration 5        # the phone line's webhooks, nobody waiting
    python -m bench console --waiting 1500       # the consoles, then the webhooks with 1,500 waiting
    python -m bench logins                       # incoming alone, then while 20 logins are checked
    python -m bench callbacks                    # 2,000 callbacks due at once, cron + 1, 2, 4 workers
    python -m bench                              # all four, one after the other (exit 1 if any fails)

Options after the name go to that bench (`python -m bench webhooks --help`); with
`all` (the default) they go to each, so only the options all have make sense there.
It installs nothing: without wrk it says `apt-get install wrk` and uses the Python client
(the callbacks bench's upkeep part uses wrk too; its other parts send no webhook).
"""

from __future__ import annotations

import sys

BENCHES = ("webhooks", "console", "logins", "callbacks")


def main(argv: list[str]) -> int:
    name, rest = (argv[0], argv[1:]) if argv and argv[0] in (*BENCHES, "all") else ("all", argv)
    if rest[:1] in (["-h"], ["--help"]) and name == "all":
        print(__doc__)
        return 0
    status = 0
    for bench in BENCHES if name == "all" else (name,):
        if bench == "webhooks":
            from bench.webhooks import main as run
        elif bench == "console":
            from bench.console import main as run
        elif bench == "logins":
            from bench.logins import main as run
        else:
            from bench.callbacks import main as run
        try:
            status = max(status, run(rest))
        except KeyboardInterrupt:
            print("\ninterrupted: the bench's processes are stopped", file=sys.stderr)
            return 130
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
