"""Browser tests: Playwright for Python driving Debian's chromium.

The browser is /usr/bin/chromium (`apt-get install -y chromium`; .ci/run
installs it), never one Playwright downloads. Outside CI a machine without it
skips the browser tests; in CI (CI set) its absence fails them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One chromium for the whole run."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile (cookies, storage) per test; a short default timeout,
    since everything a test waits for is local."""
    context = browser.new_context()
    context.set_default_timeout(5000)
    yield context
    context.close()


def artifact(name: str) -> Path:
    """Where a test saves a file for people to look at (git ignores the folder)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
