"""A simulated caller who holds as long as gunicorn keeps an idle connection
open (2 s) still reaches the app, against the Procfile's web process. Whether
gunicorn closes the connection just as the next webhook leaves is a matter of
milliseconds; tests/http/test_simulator_transport.py makes that happen every time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.servers import ROOT, environment, web_processes

FLASK = str(Path(sys.executable).with_name("flask"))


def test_simulate_call_holding_two_seconds_against_gunicorn(database_url, redis_url, tmp_path):
    with web_processes(1, database_url, redis_url, tmp_path) as [web]:
        result = subprocess.run(
            [
                FLASK, "--app", "hotline", "simulate-call",
                "--url", web.url, "--digits", "2,3", "--then", "wait", "--wait-loops", "4", "--hold", "2",
            ],
            cwd=ROOT,
            env=environment(database_url, redis_url),
            capture_output=True,
            text=True,
            timeout=90,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing answers" not in result.stdout + result.stderr
    assert "Queue:     legal (left: hangup)" in result.stdout
