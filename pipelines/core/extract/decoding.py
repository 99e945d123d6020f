"""Bytes to text, in the order that holds on real pages:

1. a byte-order mark (it cannot be there by accident);
2. strict UTF-8 when the whole body decodes cleanly: non-ASCII text in a single-byte code page
   almost never forms valid UTF-8 sequences, while pages that declare `iso-8859-1` or
   `windows-1252` but are really UTF-8 are common (CMS templates keep an old `<meta charset>`);
3. UTF-8 with replacement characters when it is declared (as browsers do), or when nothing is
   declared and most multi-byte sequences are valid;
4. the declared charset (RawPage field, Content-Type header, `<meta>`), with latin-1/ascii read
   as windows-1252 as browsers do (WHATWG Encoding), when it decodes without errors;
5. detection with charset-normalizer, a library made for it;
6. the declaration, or UTF-8, with replacement characters.

Invalid bytes are replaced, never raised, so one bad page cannot stop a bundle."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{2,40})", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_WHATWG_ALIASES = {"latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252"}
"""Labels browsers decode as windows-1252 (the bytes 0x80–0x9F are curly quotes and dashes there)."""
_WIDE = ("utf-16", "utf-32")
DETECT_BYTES = 65536
"""charset-normalizer reads at most this much: its cost grows with the input, its verdict does not."""


def _known(name: str | None) -> str | None:
    if not name:
        return None
    try:
        found = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _WHATWG_ALIASES.get(found, found)


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
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="replace"), name
    declared = declared_charset(body, charset, headers)
    if not (declared and declared.startswith(_WIDE)):  # UTF-16 without a BOM can be valid UTF-8 bytes
        try:
            return body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
        if declared == "utf-8":  # as browsers do: a declared UTF-8 page with broken bytes stays UTF-8
            return body.decode("utf-8", errors="replace"), "utf-8"
        if declared is None:
            # Undeclared UTF-8 with a few broken bytes is still UTF-8 (one truncated snippet must not
            # turn every accent into mojibake); a page with more broken sequences than valid ones is not.
            text = body.decode("utf-8", errors="replace")
            broken = text.count("\ufffd")
            if sum(1 for ch in text if ch > "\x7f") - broken >= broken:
                return text, "utf-8"
    if declared:
        try:
            return body.decode(declared), declared
        except UnicodeDecodeError:
            pass  # the declaration lies: ask the detector
    from charset_normalizer import from_bytes

    best = from_bytes(body[:DETECT_BYTES]).best()
    name = _known(best.encoding if best else None) or declared or "utf-8"
    return body.decode(name, errors="replace"), name
