"""Hypothesis strategies for JSON request bodies: any JSON value (text with
lone surrogates among them), objects made of a view's fields or of anything,
and raw bytes that may be no JSON at all."""

from __future__ import annotations

import json

from hypothesis import strategies as st

from tests.support import surrogates

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
