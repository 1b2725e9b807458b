"""bench/summary.py: a run notes the app's errors, not gunicorn's quick shutdown."""

from __future__ import annotations

import pytest

from bench import summary

SHUTDOWN = """[2026-12-02 14:52:45 +0000] [24752] [INFO] Handling signal: int
Traceback (most recent call last):
  File ".../gevent/monkey/_patch_thread_lt313.py", line 56, in _shutdown
  File ".../gunicorn/workers/base.py", line 195, in handle_quit
    sys.exit(0)
SystemExit: 0
"""
APP_ERROR = "2026-12-02 14:32:19,515 ERROR hotline.web.errors: unexpected OperationalError on POST /x\n"
OTHER_TRACEBACK = "Traceback (most recent call last):\n  File \"x.py\", line 1, in f\nKeyError: 'a'\n"


@pytest.mark.parametrize(
    ("content", "noted"),
    [(SHUTDOWN, False), ("", False), (APP_ERROR + SHUTDOWN, True), (SHUTDOWN + OTHER_TRACEBACK, True)],
)
def test_only_the_apps_errors_are_noted(tmp_path, monkeypatch, content, noted):
    monkeypatch.setattr(summary, "save_file", lambda *_args: None)
    log = tmp_path / "gunicorn.log"
    log.write_text(content)
    assert bool(summary.app_errors(log, "gunicorn-test")) is noted
