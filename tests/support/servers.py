"""Web processes as the Procfile starts them, for tests about the server itself:
`gunicorn -c config/gunicorn.py "hotline:create_app()"` (one gevent worker), each
on its own port, all on the same database and Redis.

The one place that starts gunicorn: the tests and bench/webhooks.py use it. The
settings come from the environment, as in production, never from the caller's
process. Nothing here imports pytest or the tests' fixtures.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from config import DEV_AUTH_TOKEN

ROOT = Path(__file__).resolve().parents[2]
HOTLINE_APP = "hotline:create_app()"
OURS = ("HOTLINE_", "TWILIO_", "PHONE_")
NAMES = {"DATABASE_URL", "REDIS_URL", "HOST", "PORT", "WEB_CONNECTIONS", "TRUSTED_PROXIES", "SECRET_KEY"}


# Below the kernel's ephemeral range (32768–60999), where it picks the ports of
# bind(0) and of outgoing connections, so none of those takes one of ours.
OWN_PORTS = range(10_000, 32_000)
_handed_out = itertools.count()


def free_port() -> int:
    """A free port on 127.0.0.1 that no other server of this run had.

    A thread that outlives its test (a simulated caller on hold, a Socket.IO
    client reconnecting) still posts to its server's port; were the port given
    again, to the next test's server or to another pytest-xdist worker's, that
    test would find strangers' calls in its database. So each worker takes
    ports from its own slice of OWN_PORTS, each once: a late request meets a
    closed port."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    size = len(OWN_PORTS) // workers
    start = OWN_PORTS.start + worker * size
    for _ in range(size):
        port = start + next(_handed_out) % size
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {start}–{start + size - 1}")


@dataclass(frozen=True)
class WebProcess:
    url: str
    process: subprocess.Popen
    log: Path


def gunicorn_command(port: int, app: str = HOTLINE_APP) -> list[str]:
    """The Procfile's `web`, on 127.0.0.1:`port`. The control socket is off: by
    default every gunicorn of a user shares one path and a second takes it over."""
    return [
        sys.executable, "-m", "gunicorn",
        "-c", "config/gunicorn.py",
        "--bind", f"127.0.0.1:{port}",
        "--no-control-socket",
        app,
    ]  # fmt: skip


def environment(database_url: str, redis_url: str, **settings: str) -> dict[str, str]:
    """Development settings on the given database and Redis, whatever the
    shell exports for the hotline; `settings` adds or overrides variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OURS) and k not in NAMES}
    env.update(
        HOTLINE_ENV="development",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        TWILIO_AUTH_TOKEN=DEV_AUTH_TOKEN,
        HOTLINE_HOURS="always",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


def start(env: dict[str, str], log: Path) -> WebProcess:
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            gunicorn_command(port),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return WebProcess(f"http://127.0.0.1:{port}", process, log)


def flask_process(command: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`flask --app hotline <command>` as the Procfile runs it (worker, dialler,
    cron), in its own session (a signal to its group reaches a work horse
    too), its output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "hotline", command],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_healthy(url: str, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{tail(log)}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not become healthy in {seconds:.0f} s:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def stop(webs: list[WebProcess]) -> None:
    """SIGINT to each process group (the master and its worker), all at once,
    then SIGKILL to any still running after a while."""
    running = [web for web in webs if web.process.poll() is None]
    for web in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(web.process.pid, signal.SIGINT)
    for web in running:
        try:
            web.process.wait(12)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(web.process.pid, signal.SIGKILL)
            web.process.wait(5)


@contextlib.contextmanager
def web_processes(
    count: int, database_url: str, redis_url: str, workdir: Path, **settings: str
) -> Iterator[list[WebProcess]]:
    """`count` gunicorns started side by side, stopped on the way out."""
    env = environment(database_url, redis_url, **settings)
    started: list[WebProcess] = []
    try:
        for number in range(count):
            started.append(start(env, workdir / f"gunicorn-{number}.log"))
        for web in started:
            wait_healthy(web.url, web.process, web.log)
        yield started
    finally:
        stop(started)
