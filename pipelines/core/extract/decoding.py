"""Bytes to text: the charset a page declares (field, HTTP header, BOM, meta tag), then detection.
Invalid bytes are replaced, never raised, so one bad page cannot stop a bundle."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{2,40})", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _known(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def declared_charset(body: bytes, charset: str | None, headers: dict[str, str] | None) -> str | None:
    """The first usable charset among: RawPage.charset, Content-Type header, BOM, <meta> in the head."""
    if found := _known(charset):
        return found
    for name, value in (headers or {}).items():
        m = _HEADER_CHARSET.search(value) if name.lower() == "content-type" else None
        if m and (found := _known(m.group(1))):
            return found
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    if m := _META_CHARSET.search(body[:4096]):
        return _known(m.group(1).decode("ascii", "ignore"))
    return None


def decode_body(body: bytes, charset: str | None = None, headers: dict[str, str] | None = None) -> tuple[str, str]:
    """Return (text, charset used)."""
    declared = declared_charset(body, charset, headers)
    if declared:
        return body.decode(declared, errors="replace").lstrip("\ufeff"), declared
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    name = _known(best.encoding if best else None) or "utf-8"
    return body.decode(name, errors="replace"), name
