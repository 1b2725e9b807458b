"""The README's run command, as a new user runs it: bin/run starts redis, web
and worker; a simulated call goes through; Ctrl-C stops them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, free_port


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
    log = open(tmp_path / "run.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(ROOT / "bin" / "run")],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("bin/run did not become healthy:\n" + (tmp_path / "run.log").read_text())
        time.sleep(0.3)
    yield base, env, process, tmp_path / "run.log"
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


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

    os.killpg(process.pid, signal.SIGINT)
    assert process.wait(timeout=30) is not None
    log = log_path.read_text()
    assert "web.1" in log and "worker.1" in log and "redis.1" in log
    assert "Listening on hotline" in log  # the RQ worker and its scheduler were up
    assert "7015551234" not in log
