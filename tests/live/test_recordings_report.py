"""Missing Kazakh recordings are reported once, by the web process as it starts
(one line: how many, and where they go), not by every process and command that
builds the app."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from telephony import prompts, recordings
from tests.support.servers import ROOT, web_processes

FLASK = str(Path(sys.executable).with_name("flask"))
RECORDABLE = [key for key in prompts.TEXTS if key not in prompts.SPOKEN_ONLY]


def about_recordings(text: str) -> list[str]:
    return [line for line in text.splitlines() if "recording" in line.lower() and "prompt" in line]


def test_building_the_app_says_nothing_about_recordings(make_app, caplog):
    caplog.set_level(logging.DEBUG)
    make_app()
    assert about_recordings(caplog.text) == []


def test_the_report_is_one_line_how_many_and_where(make_app, caplog):
    app = make_app()
    recordings.report_missing(app)
    [line] = [record.getMessage() for record in caplog.records]
    assert line.startswith(f"{len(RECORDABLE)} of {len(RECORDABLE)} prompts have no Kazakh recording")
    assert "hotline/static/prompts/kk/<prompt>.mp3" in line
    assert "flask --app hotline doctor" in line


def test_the_report_counts_only_the_recordings_missing(make_app, caplog, tmp_path):
    app = make_app()
    (tmp_path / "prompts" / "kk").mkdir(parents=True)
    for key in RECORDABLE[2:]:
        (tmp_path / "prompts" / "kk" / f"{key}.mp3").write_bytes(b"ID3")
    app.static_folder = str(tmp_path)
    assert recordings.missing(app) == {"kk": RECORDABLE[:2]}
    recordings.report_missing(app)
    [line] = [record.getMessage() for record in caplog.records]
    assert line.startswith(f"2 of {len(RECORDABLE)} prompts have no Kazakh recording")

    for key in RECORDABLE[:2]:
        (tmp_path / "prompts" / "kk" / f"{key}.wav").write_bytes(b"RIFF")
    caplog.clear()
    recordings.report_missing(app)
    assert caplog.records == []


def test_a_russian_only_line_needs_no_recording(make_app, caplog):
    recordings.report_missing(make_app(HOTLINE_LANGUAGES=["ru"]))
    assert caplog.records == []


def test_the_web_process_reports_once_and_a_command_not_at_all(database_url, redis_url, tmp_path):
    with web_processes(1, database_url, redis_url, tmp_path) as [web]:
        pass
    [line] = about_recordings(web.log.read_text())
    assert "WARNING" in line and f"{len(RECORDABLE)} of {len(RECORDABLE)} prompts have no Kazakh" in line

    env = {**os.environ, "HOTLINE_ENV": "testing", "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    command = subprocess.run(
        [FLASK, "--app", "hotline", "db", "current"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert command.returncode == 0, command.stderr
    assert about_recordings(command.stdout + command.stderr) == []
