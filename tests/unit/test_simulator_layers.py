"""The simulator's modules stand on one another in layers, with no import cycle, and
take Twilio's words from telephony/, not from the hotline's domain."""

from __future__ import annotations

import ast
import graphlib

from telephony import vocabulary
from tests.support.servers import ROOT

PACKAGE = "telephony.simulator"


def modules() -> dict[str, ast.Module]:
    """Every module of the package by dotted name, parsed."""
    found = {}
    for path in sorted((ROOT / "telephony" / "simulator").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = ast.parse(path.read_text(), str(path))
    return found


def imports(tree: ast.Module) -> list[tuple[str, str | None]]:
    """(module, name) for every import anywhere in the file: in functions and
    TYPE_CHECKING blocks too, which would otherwise hide a cycle."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def import_graph() -> dict[str, set[str]]:
    """Which of the package's modules each one imports. A package importing its own
    modules (`rest` gathering its resources' routes onto its blueprint) is left out:
    Python loads a package before any module in it, so that is no cycle between layers."""
    parsed = modules()
    graph = {}
    for name, tree in parsed.items():
        targets = set()
        for module, imported in imports(tree):
            target = f"{module}.{imported}" if f"{module}.{imported}" in parsed else module
            if target in parsed and not target.startswith(name + "."):
                targets.add(target)
        graph[name] = targets - {name}
    return graph


def test_the_simulators_modules_import_one_another_without_a_cycle():
    graph = import_graph()
    assert f"{PACKAGE}.leg" in graph[f"{PACKAGE}.waiting"]  # the graph sees the imports
    graphlib.TopologicalSorter(graph).prepare()  # CycleError names the circle


def test_the_simulator_takes_twilios_words_from_telephony():
    twilio_words = {name for name in vars(vocabulary) if name.isupper()}
    from_hotline = [
        (module, imported)
        for tree in modules().values()
        for module, imported in imports(tree)
        if module.split(".")[0] == "hotline"
    ]
    assert from_hotline, "the simulator imports nothing from the hotline: nothing to check"
    assert {imported for _, imported in from_hotline} & twilio_words == set()
    hotline_modules = {_module_of(module, imported) for module, imported in from_hotline}
    assert hotline_modules <= {"hotline.core.phones", "hotline.models", "hotline.calls.service"}


def _module_of(module: str, imported: str | None) -> str:
    """`from hotline import calls` imports the module hotline.calls.service."""
    path = ROOT.joinpath(*module.split("."), f"{imported}.py")
    return f"{module}.{imported}" if imported and path.exists() else module
