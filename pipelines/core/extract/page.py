"""Page → Article: the pure extraction step (no Beam).

HTML goes through `html.extract_html` (lexbor), text/plain through `text_plain.extract_text`; both
give blocks labelled article / boilerplate / related, and this module turns them into the Article
record of schemas/Article.avsc. Invariants the later stages rely on:

- `body` is the article blocks joined by "\\n", minus the headline block (so the per-site
  boilerplate step can recompute it from `blocks` alone: see `body_from_blocks`);
- `blocks` is every block of the page in document order, languages "und" (the language step fills them);
- the same page gives the same record (no state survives between calls; caches are bounded).
"""

from __future__ import annotations

from pipelines.config import MAX_PAGE_BYTES
from pipelines.core import ids
from pipelines.core.extract.decoding import decode_body
from pipelines.core.extract.errors import ExtractError
from pipelines.core.extract.html import extract_html
from pipelines.core.extract.text_plain import extract_text
from pipelines.core.urls import normalize_url, site_of

VERSION = "0.3.0"
EXTRACTOR = f"newsbeam/{VERSION}"
TEXT_TYPES = frozenset({"text/plain", "text/markdown"})

__all__ = ["EXTRACTOR", "ExtractError", "body_from_blocks", "extract_article"]


def _is_plain_text(content_type: str, text: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    if kind in TEXT_TYPES:
        head = text[:512].lstrip().lower()
        return not head.startswith(("<!doctype html", "<html"))  # HTML served as text/plain is HTML
    if kind in {"", "application/octet-stream"}:
        return "<" not in text[:2048]
    return False


def body_from_blocks(blocks: list[dict], title: str) -> list[str]:
    """The body paragraphs of a block list: article blocks except the headline."""
    paragraphs = [b["text"] for b in blocks if b["kind"] == "article"]
    if title and paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    return paragraphs


def lead_of(paragraphs: list[str]) -> str:
    """The first paragraph that reads as prose (not a subheading)."""
    for paragraph in paragraphs:
        if len(paragraph.split()) >= 8:
            return paragraph
    return paragraphs[0] if paragraphs else ""


def extract_article(page: dict, max_bytes: int = MAX_PAGE_BYTES) -> dict:
    """Turn a decoded RawPage into an Article record (language fields left for the language step).

    Raises ExtractError (dead letter) for pages over `max_bytes` and pathological DOMs; a page
    without article text is returned with `empty` set, never dropped."""
    body_bytes = page.get("body") or b""
    if isinstance(body_bytes, str):
        body_bytes = body_bytes.encode("utf-8", "surrogatepass")
    if len(body_bytes) > max_bytes:
        raise ExtractError(f"page too large: {len(body_bytes)} bytes > limit {max_bytes}", "PageTooLarge")
    try:
        text, _charset = decode_body(body_bytes, page.get("charset"), page.get("headers"))
    except (LookupError, UnicodeError, ValueError) as exc:
        raise ExtractError(f"undecodable body: {exc}"[:300], "UndecodableBody") from exc
    text = text.replace("\x00", "")
    url = page.get("url") or ""
    title = ""
    authors: list[str] = []
    site_name = ""
    published = page.get("published_at")
    modified = None
    canonical_url = normalize_url(url)
    related: list[dict] = []
    if _is_plain_text(page.get("content_type") or "", text):
        found = extract_text(text)
        blocks = [{"text": t, "kind": k, "language": "und"} for t, k in found.blocks]
        title, related = found.title, found.related
    else:
        doc = extract_html(text, url)
        blocks = [{"text": b.text, "kind": b.kind, "language": "und"} for b in doc.blocks]
        title, related, authors, site_name = doc.title, doc.related, doc.authors, doc.site_name
        canonical_url = doc.canonical or canonical_url
        if published is None:
            published = doc.published_at
        modified = doc.modified_at
    paragraphs = body_from_blocks(blocks, title)
    body = "\n".join(paragraphs)
    body_hash = ids.content_hash(body)
    return {
        "page_id": ids.page_id(canonical_url, body_hash),
        "url": url,
        "canonical_url": canonical_url,
        "source": page.get("source") or "",
        "site": site_name or site_of(canonical_url),
        "title": title,
        "lead": lead_of(paragraphs),
        "body": body,
        "blocks": blocks,
        "related": related,
        "published_at": published,
        "modified_at": modified,
        "authors": authors,
        "language": "und",
        "language_confidence": 0.0,
        "fetched_at": page.get("fetched_at") or 0,
        "content_hash": body_hash,
        "empty": not paragraphs,
        "extractor": EXTRACTOR,
    }
