"""The README's run command, as a new user runs it: bin/run starts redis, web
and worker; the demo operator it prints logs in; a simulated call goes through;
Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
import requests

from hotline.cli import DEMO_PASSWORD, DEMO_USERNAME
from tests.support.pages import CSRF_META
from tests.support.servers import ROOT, free_port
from tests.support.waiting import eventually


@pytest.fixture
def running_hotline(tmp_path):
    port, redis_port = free_port(), free_port()
    env = {
        **os.environ,
        "HOTLINE_ENV": "development",
        "HOTLINE_PORT": str(port),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'hotline.db'}",
    }
    env.pop("TWILIO_API_BASE_URL", None)
    log_path = tmp_path / "run.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(ROOT / "bin" / "run")],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, process, log_path)
        yield base, env, process, log_path
    finally:
        stop(process)


def wait_until_healthy(base: str, process: subprocess.Popen, log_path: Path) -> None:
    def healthy() -> bool:
        if process.poll() is not None:
            pytest.fail(f"bin/run exited ({process.returncode}):\n" + log_path.read_text())
        try:
            return requests.get(base + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    eventually(
        healthy,
        timeout=120,
        what=lambda: "bin/run did not become healthy:\n" + log_path.read_text(),
        every=0.3,
    )


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C as a user would (honcho stops its processes), then make sure."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


# bin/run may take its two minutes to become healthy, then the test runs a call and Ctrl-C.
@pytest.mark.timeout(300)
def test_bin_run_serves_a_simulated_call_and_stops_cleanly(running_hotline):
    base, env, process, log_path = running_hotline
    health = requests.get(base + "/healthz", timeout=5).json()
    assert health == {"status": "ok", "database": "ok", "redis": "ok"}

    flask = str(Path(sys.executable).with_name("flask"))
    result = subprocess.run(
        [
            flask,
            "--app",
            "hotline",
            "simulate-call",
            "--from",
            "+77015551234",
            "--digits",
            "2,3",
            "--url",
            base,
            "--hold",
            "0",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "legal" in result.stdout
    assert "7015551234" not in result.stdout

    log_in_as_the_demo_operator(base, log_path.read_text())

    stop(process)
    log = log_path.read_text()
    with pytest.raises(requests.ConnectionError):
        requests.get(base + "/healthz", timeout=2)
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(env["REDIS_URL"], socket_connect_timeout=1).ping()
    assert all(f"{name}.1" in log for name in ("web", "worker", "dialler", "cron", "redis"))
    assert "Listening on hotline" in log  # the RQ worker and its scheduler were up
    assert "Listening on hotline-dialling" in log  # and the dialler
    assert "7015551234" not in log


def log_in_as_the_demo_operator(base: str, banner: str) -> None:
    """As the banner says: open /login, type the demo operator's name and password."""
    assert f"Log in at {base}/login as the demo operator" in banner
    assert f"username: {DEMO_USERNAME}" in banner and f"password: {DEMO_PASSWORD}" in banner
    browser = requests.Session()
    token = CSRF_META.search(browser.get(base + "/login", timeout=5).text).group(1)
    form = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD, "csrf_token": token}
    response = browser.post(base + "/login", data=form, allow_redirects=False, timeout=5)
    assert response.status_code == 302 and response.headers["Location"] == "/console"
    console = browser.get(base + "/console", timeout=5)
    assert console.status_code == 200 and DEMO_USERNAME in console.text
