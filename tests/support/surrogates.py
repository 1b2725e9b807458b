"""Text with lone surrogates (U+D800–U+DFFF, which UTF-8 cannot encode), and
requests that carry it as each sender can: JSON escapes, JSON's raw bytes, a
form's percent-encoded or raw bytes. The test client encodes text as strict
UTF-8, so these build the bytes themselves."""

from __future__ import annotations

import json
import re
import urllib.parse

from hypothesis import strategies as st

LONE = re.compile("[\ud800-\udfff]")
# A high surrogate before a low one is one character in a JSON escape ("\ud83d\ude00").
PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

surrogates = st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=3)
# Ordinary text with at least one lone surrogate in it, however it is sent.
with_surrogates = (
    st.lists(st.text(max_size=12) | surrogates, min_size=1, max_size=5)
    .map("".join)
    .filter(lambda text: LONE.search(text) is not None and PAIR.search(text) is None)
)
# How a sender may put text that is no UTF-8 into a request.
CARRIERS = ("json-escaped", "json-raw", "form-percent", "form-raw")


def has_surrogate(*texts: str) -> bool:
    return any(LONE.search(text) for text in texts)


def raw(text: str) -> bytes:
    """The bytes a sender who ignores UTF-8's rules would send: ED A0 80 for U+D800."""
    return text.encode("utf-8", "surrogatepass")


def quoted(text: str) -> str:
    """`text` for a URL: percent-encoded, lone surrogates as their raw bytes."""
    return urllib.parse.quote(raw(text), safe="")


def as_read(text: str) -> str:
    """`text` as Werkzeug would decode it from a form, if the hotline let it:
    bytes that are no UTF-8 kept percent-quoted (what a signature covers)."""
    return LONE.sub(lambda found: quoted(found.group()), text)


def form_body(pairs: list[tuple[str, str]], carrier: str = "form-percent") -> bytes:
    if carrier == "form-raw":
        return b"&".join(raw(name) + b"=" + raw(value) for name, value in pairs)
    return urllib.parse.urlencode([(raw(name), raw(value)) for name, value in pairs]).encode()


def body(fields: dict[str, str], carrier: str) -> tuple[bytes, str]:
    """`fields` as `carrier` sends them: the body and its Content-Type."""
    if carrier == "json-escaped":
        return json.dumps(fields).encode(), JSON
    if carrier == "json-raw":
        return raw(json.dumps(fields, ensure_ascii=False)), JSON
    return form_body(list(fields.items()), carrier), FORM
