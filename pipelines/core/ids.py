"""Deterministic ids: replaying the same input must give the same keys on every worker and run.

Python's `hash()` is salted per process, so every id here is a keyed BLAKE2b digest."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACE = re.compile(r"\s+")


def digest(*parts: str, size: int = 16, person: bytes = b"newsbeam") -> str:
    h = hashlib.blake2b(digest_size=size, person=person)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def content_hash(text: str) -> str:
    """Hash of the whitespace- and Unicode-normalised body: equal text, equal hash."""
    normal = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return digest(normal, person=b"nb-body")


def page_id(canonical_url: str, body_hash: str) -> str:
    """DESIGN §5: page_id = hash of canonical URL + content hash."""
    return digest(canonical_url, body_hash, person=b"nb-page")
