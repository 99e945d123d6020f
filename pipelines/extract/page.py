"""Page → Article: the pure extraction step (no Beam). trafilatura does HTML for now; text/plain
pages (aggregator pastes) are split into paragraphs here, since trafilatura refuses non-HTML input."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import trafilatura

from pipelines import ids
from pipelines.config import MAX_PAGE_BYTES
from pipelines.extract.decoding import decode_body
from pipelines.urls import normalize_url, site_of

EXTRACTOR = f"trafilatura/{trafilatura.__version__}"
_BLANK = re.compile(r"[ \t\u00a0]+")


class ExtractError(ValueError):
    """A page that cannot become an article; `reason` goes to the dead letter."""

    def __init__(self, reason: str, error_class: str = "ExtractError") -> None:
        super().__init__(reason)
        self.reason = reason
        self.error_class = error_class


def _paragraphs(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = _BLANK.sub(" ", line).strip()
        if line:
            out.append(line)
    return out


def _date_millis(value: str | None) -> int | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def _is_plain_text(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in {"text/plain", "text/markdown"}


def extract_article(page: dict, max_bytes: int = MAX_PAGE_BYTES) -> dict:
    """Turn a decoded RawPage into an Article record (language fields left for the language step)."""
    body_bytes: bytes = page["body"]
    if len(body_bytes) > max_bytes:
        raise ExtractError(f"page too large: {len(body_bytes)} bytes > limit {max_bytes}", "PageTooLarge")
    text, _charset = decode_body(body_bytes, page.get("charset"), page.get("headers"))
    url = page["url"]
    title = ""
    authors: list[str] = []
    site_name = ""
    published = page.get("published_at")
    canonical = url
    if _is_plain_text(page.get("content_type") or ""):
        paragraphs = _paragraphs(text)
    else:
        doc = trafilatura.bare_extraction(
            text, url=url, with_metadata=True, include_comments=False, include_tables=False, deduplicate=False
        )
        paragraphs = _paragraphs(doc.text or "") if doc else []
        if doc:
            title = (doc.title or "").strip()
            authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
            site_name = (doc.sitename or "").strip()
            canonical = doc.url or url
            if published is None:
                published = _date_millis(doc.date)
    if title and paragraphs and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    canonical_url = normalize_url(canonical, base=url)
    body = "\n".join(paragraphs)
    body_hash = ids.content_hash(body)
    return {
        "page_id": ids.page_id(canonical_url, body_hash),
        "url": url,
        "canonical_url": canonical_url,
        "source": page.get("source") or "",
        "site": site_name or site_of(canonical_url),
        "title": title,
        "lead": paragraphs[0] if paragraphs else "",
        "body": body,
        "blocks": [{"text": p, "kind": "article", "language": "und"} for p in paragraphs],
        "related": [],
        "published_at": published,
        "modified_at": None,
        "authors": authors,
        "language": "und",
        "language_confidence": 0.0,
        "fetched_at": page["fetched_at"],
        "content_hash": body_hash,
        "empty": not paragraphs,
        "extractor": EXTRACTOR,
    }
