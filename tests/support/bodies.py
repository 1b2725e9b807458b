"""Hypothesis strategies for JSON request bodies: any JSON value (text with
lone surrogates among them), objects made of a view's fields or of anything,
and raw bytes that may be no JSON at all."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import surrogates
from tests.support.cases import NUMBER

texts = st.text(max_size=40) | surrogates.with_surrogates
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)


def objects(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """Objects of some of `fields` (each drawn from its strategy), or of any keys at all."""
    return st.fixed_dictionaries({}, optional=fields) | st.dictionaries(
        st.sampled_from([*fields, "extra"]) | st.text(max_size=10), json_values, max_size=4
    )


def raw(field: str) -> st.SearchStrategy:
    """Bytes: anything, any text, or JSON whose `field` holds raw surrogate bytes."""
    return (
        st.binary(max_size=200)
        | st.text(max_size=200).map(str.encode)
        | surrogates.with_surrogates.map(
            lambda text: surrogates.raw(json.dumps({field: text}, ensure_ascii=False))
        )
    )


ANSWERS = settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))


def check_answers(client, path, headers, bodies, field, done, written, done_changes, refusals=(400, 409)):
    """POST every body `bodies` draws, and raw text that breaks `field`, to `path`:
    each answered `done` or one of `refusals`, never a number; a refused one
    leaves `written()` as it was, a done one changes it as `done_changes` checks.
    The statuses seen."""
    seen = set()

    def check(answer, body, before):
        assert answer.status_code in (done, *refusals), answer.get_data(as_text=True)
        seen.add(answer.status_code)
        assert NUMBER[1:] not in answer.get_data(as_text=True)
        if body is not None and surrogates.has_surrogate(json.dumps(body, ensure_ascii=False)):
            assert answer.status_code == 400
        after = written()
        if answer.status_code != done:
            assert after == before
        else:
            done_changes(before, after)

    @given(body=bodies)
    @ANSWERS
    def json_bodies(body):
        before = written()
        check(client.post(path, json=body, headers=headers), body, before)

    @given(data=raw(field))
    @ANSWERS
    def raw_bodies(data):
        before = written()
        answer = client.post(path, data=data, headers={**headers, "Content-Type": "application/json"})
        check(answer, None, before)

    json_bodies()
    raw_bodies()
    return seen
