"""The case page's timeline entries: each event of a page of the timeline with
what the page shows beside it (a call's wait, talk, who answered and its
wrap-up's codes; a note's anchor; a status move's two states)."""

from __future__ import annotations


def entries(items: list[dict], shown: dict, codes: dict[str, dict[str, str]]) -> list[dict]:
    """`items` (a timeline page of `reading`) joined with the case's calls and
    notes (`shown`, the case as `reading.shown` tells it); `codes` the
    wrap-up's labels by kind and code."""
    calls = {call["call_sid"]: call for call in shown["calls"]}
    notes = {note["id"]: note for note in shown["notes"]}
    joined = []
    for item in items:
        data = item["data"]
        entry = {**item, "call": None, "note": None}
        if item["kind"] in ("call", "wrap_up") and item["call_sid"] in calls:
            entry["call"] = calls[item["call_sid"]]
        if item["kind"] == "note_added":
            entry["note"] = notes.get(data.get("note_id"))
        entry["outcome"] = _label(codes, "outcome", data.get("outcome"))
        entry["category"] = _label(codes, "category", data.get("category"))
        joined.append(entry)
    return joined


def _label(codes: dict[str, dict[str, str]], kind: str, code: str | None) -> str | None:
    return codes[kind].get(code, code) if code else None
