"""Replay fixes used by the dead-letter tests (loaded with `--fix FILE.py:FUNCTION`)."""

from __future__ import annotations

import json


def add_fetched_at(key: bytes | None, value: bytes, letter: dict) -> tuple[bytes | None, bytes] | None:
    """The JSON envelopes these tests break lack `fetched_at`; put it back (from the record time)."""
    try:
        envelope = json.loads(value)
    except ValueError:
        return None  # not fixable here: skip
    if not isinstance(envelope, dict) or "url" not in envelope:
        return None
    envelope.setdefault("fetched_at", letter["failed_at"])
    return key, json.dumps(envelope, sort_keys=True).encode()
