"""The suite's kinds of test, marked at collection from what each test runs, so that
`-m "not browser and not live"` is the quick inner loop:

- browser: drives chromium through Playwright (the `browser` fixtures);
- live: starts a live server, gunicorn, a redis-server, a flask command or an RQ
  process, or connects a real Socket.IO client;
- races: runs requests truly at once (threads at a barrier), or lives in a *_races module.

A test is what its own code, the helpers it calls and the fixtures it uses do
(the session's redis-server and database excepted: every test has them).
Anything else can say so itself with `pytestmark` or `@pytest.mark.live`.
"""

from __future__ import annotations

import inspect
import types

import pytest

BROWSER_FIXTURES = frozenset({"browser", "browser_context"})
# Names a code object uses when it starts something outside the test's own thread.
LIVE = frozenset({"make_server", "Popen", "socketio"})
RACES = frozenset({"at_once", "Barrier"})


def _code_objects(target: object) -> list[types.CodeType]:
    target = inspect.unwrap(target) if callable(target) else target
    if isinstance(target, type):
        return [code for member in vars(target).values() for code in _code_objects(member)]
    if isinstance(target, (staticmethod, classmethod)):
        return _code_objects(target.__func__)
    if isinstance(target, property):
        return [code for part in (target.fget, target.fset) if part for code in _code_objects(part)]
    code = getattr(target, "__code__", None)
    return [code] if isinstance(code, types.CodeType) else []


def _names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names(constant)
    return names


class Reach:
    """The names used by a function and by the tests' own helpers it calls, transitively."""

    def __init__(self) -> None:
        self.seen: dict[int, set[str]] = {}

    def of(self, target: object, namespace: dict) -> set[str]:
        key = id(target)
        if key in self.seen:
            return self.seen[key]
        self.seen[key] = used = set()
        for code in _code_objects(target):
            names = _names(code)
            used |= names
            for name in names:
                helper = namespace.get(name)
                if _ours(helper):
                    module = inspect.getmodule(helper)
                    used |= self.of(helper, vars(module) if module else namespace)
                elif isinstance(helper, types.ModuleType) and _our_module(helper.__name__):
                    for member in vars(helper).values():
                        if _ours(member):
                            used |= self.of(member, vars(helper))
        return used


def _our_module(name: str) -> bool:
    """The tests' modules: tests.support.*, and the test modules (imported by their own name)."""
    return name.startswith(("tests.", "test_"))


def _ours(target: object) -> bool:
    return (inspect.isfunction(target) or inspect.isclass(target)) and _our_module(
        getattr(target, "__module__", "")
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reach = Reach()
    for item in items:
        if not isinstance(item, pytest.Function):
            continue
        used = reach.of(item.function, vars(item.module))
        for name, definitions in item._fixtureinfo.name2fixturedefs.items():
            for definition in definitions:
                if definition.scope != "session" or name in BROWSER_FIXTURES:
                    module = inspect.getmodule(definition.func)
                    used |= reach.of(definition.func, vars(module) if module else {})
        module_name = item.module.__name__.rsplit(".", 1)[-1]
        if BROWSER_FIXTURES & set(item.fixturenames) or module_name.startswith("test_browser_"):
            item.add_marker(pytest.mark.browser)
        if LIVE & used:
            item.add_marker(pytest.mark.live)
        if RACES & used or module_name.endswith("_races"):
            item.add_marker(pytest.mark.races)
