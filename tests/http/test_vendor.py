"""The vendored front-end files are the ones VENDOR.md lists, byte for byte, and
no template or script names a vendored file that is not there."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from tests.support.servers import ROOT

VENDOR = ROOT / "hotline" / "static" / "vendor"
ROW = re.compile(
    r"^\| (?P<package>\S+) \| (?P<version>\S+) \| (?P<folder>\S+) \| (?P<file>\S+)"
    r" \| `(?P<sha256>[0-9a-f]{64})` \|"
)
REFERENCE = re.compile(r"vendor/(?P<path>[A-Za-z0-9@._-]+/[A-Za-z0-9@._-]+)")
PAGES = [ROOT / "templates", ROOT / "hotline" / "static" / "js"]


def listed() -> list[dict]:
    rows = []
    for line in (VENDOR / "VENDOR.md").read_text().splitlines():
        match = ROW.match(line)
        if match:
            rows.append(match.groupdict())
    return rows


def missing_references(roots: list[Path]) -> list[str]:
    """`page: vendor/…` for each reference under `roots` to a vendored file that is not there."""
    missing = []
    for root in roots:
        for page in sorted(root.rglob("*")) if root.is_dir() else []:
            if page.suffix not in {".html", ".js", ".css"}:
                continue
            for match in REFERENCE.finditer(page.read_text()):
                if not (VENDOR / match["path"]).is_file():
                    missing.append(f"{page.name}: vendor/{match['path']}")
    return missing


def test_every_listed_file_is_there_with_its_sha256():
    rows = listed()
    assert {row["package"] for row in rows} == {
        "socket.io-client",
        "@twilio/voice-sdk",
        "chart.js",
        "axe-core",
    }
    for row in rows:
        data = (VENDOR / row["folder"] / row["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"], row["file"]


def test_nothing_is_vendored_that_vendor_md_does_not_list():
    on_disk = {str(path.relative_to(VENDOR)) for path in VENDOR.rglob("*") if path.is_file()}
    assert on_disk - {"VENDOR.md"} == {f"{row['folder']}/{row['file']}" for row in listed()}


def test_vendor_md_has_the_versions_package_json_pins():
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]
    assert {row["package"]: row["version"] for row in listed()} == pinned
    locked = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert all(locked[f"node_modules/{name}"]["version"] == version for name, version in pinned.items())


def test_templates_name_only_vendored_files_that_are_there():
    assert missing_references(PAGES) == []


@pytest.mark.parametrize(
    ("reference", "missing"),
    [
        ("{{ url_for('static', filename='vendor/socket.io-client-4.8.4/socket.io.min.js') }}", False),
        ("/static/vendor/socket.io-client-4.8.3/socket.io.min.js", True),
        ("/static/vendor/chart.js-4.6.1/chart.min.js", True),
    ],
)
def test_a_reference_to_a_missing_vendored_file_is_found(tmp_path, reference, missing):
    (tmp_path / "page.html").write_text(f'<script src="{reference}"></script>')
    assert bool(missing_references([tmp_path])) is missing
