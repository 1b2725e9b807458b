"""Closed loop with wrk (Debian's `wrk` package) and bench/signed.lua, replaying requests
signed beforehand in Python. The default when wrk is on PATH."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from bench.measured import REQUEST_TIMEOUT, Result, SignedRequest

LUA_SCRIPT = Path(__file__).resolve().parent / "signed.lua"


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version(path: str) -> str:
    completed = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    first = (completed.stdout or completed.stderr).splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "wrk"


def write_request_file(path: Path, requests: list[SignedRequest]) -> None:
    with path.open("w", encoding="ascii") as out:
        for item in requests:
            out.write(f"{item.path}\t{item.signature}\t{item.body}\n")


def run_wrk(
    wrk: str,
    port: int,
    request_file: Path,
    *,
    connections: int,
    duration: float,
    threads: int,
    cycle: bool,
) -> Result:
    threads = max(1, min(threads, connections))
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={int(REQUEST_TIMEOUT)}s",
        "-s",
        str(LUA_SCRIPT),
        f"http://127.0.0.1:{port}",
        "--",
        str(request_file),
        str(threads),
        "cycle" if cycle else "once",
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=False, cwd=LUA_SCRIPT.parent
    )
    line = next((x for x in completed.stdout.splitlines() if x.startswith("BENCH ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(line[len("BENCH ") :])
    result = Result(generator="wrk")
    result.completed = data["requests"]
    result.duration = data["duration_us"] / 1e6
    if data["requests"]:
        result.p50_ms = data["p50_us"] / 1000
        result.p99_ms = data["p99_us"] / 1000
        result.max_ms = data["max_us"] / 1000
    result.codes = Counter({int(status): count for status, count in data["codes"].items()})
    result.socket_errors = data["connect_errors"] + data["read_errors"] + data["write_errors"]
    result.timeouts = data["timeouts"]
    result.exhausted = data["threads_exhausted"] > 0
    result.sent = data["sent"]
    return result
