"""axe-core in the browser tests: check a page as it stands and fail, with a
list a person can act on, on any violation of impact "serious" or "critical".

axe is the vendored copy (package.json pins it, bin/vendor copies it). It is
added to the page from the app's own /static/vendor/, so the page's
Content-Security-Policy ('self') stays as in production: nothing is bypassed.
"""

from __future__ import annotations

import json
from urllib.parse import urljoin

from playwright.sync_api import Page

from tests.support.servers import ROOT

PACKAGE = "axe-core"
VERSION = json.loads((ROOT / "package.json").read_text())["dependencies"][PACKAGE]
SCRIPT = f"/static/vendor/{PACKAGE}-{VERSION}/axe.min.js"  # bin/vendor's folder: <name>-<version>
FAILING = ("serious", "critical")

RUN = """async () => {
  const found = await axe.run(document, {resultTypes: ["violations"]});
  return found.violations.map(violation => ({
    id: violation.id, impact: violation.impact, help: violation.help,
    nodes: violation.nodes.map(node => ({target: node.target.join(" "), summary: node.failureSummary})),
  }));
}"""


def violations(page: Page) -> list[dict]:
    """Every violation axe finds on the page now, whatever its impact."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=urljoin(page.url, SCRIPT))
    return page.evaluate(RUN)


def readable(found: list[dict]) -> str:
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {node['target']}: {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, what: str) -> None:
    """Fail on any serious or critical violation on `page` (described as `what`)."""
    failing = [violation for violation in violations(page) if violation["impact"] in FAILING]
    assert not failing, f"axe finds on {what}:\n{readable(failing)}"
