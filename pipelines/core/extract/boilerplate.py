"""Per-site boilerplate learned across pages: what a page-at-a-time extractor cannot see.

A site's chrome often looks exactly like prose ("Have a tip? Write to our newsroom…", a WhatsApp
channel plug, a standard disclaimer) and sits inside the article container, so no page heuristic
can drop it. Across pages it gives itself away: the same block recurs on many of the site's
*different* pages. This module keeps, per site, the normalised fingerprints of the blocks of the
last pages it saw and relabels an article block as boilerplate when its fingerprint is on at
least `min_pages` other pages and on at least `min_share` of the pages in the window.

Pure and bounded: the state is a plain JSON-serialisable dict (what the Beam step keeps in keyed
state); at most `window_pages` pages of at most `max_blocks_per_page` fingerprints each, and
pages older than `max_age_ms` (event time) are forgotten. Re-fetches of one URL count once.

What changes on a relabelled article: block kinds, `body`, `lead`, `content_hash` and `empty` are
recomputed from the blocks; `page_id` is kept from the first extraction, so the Kafka key of a
page does not depend on what the site model had learned when the page went through (replays
with a cold model rewrite the same key). Decisions depend on the pages seen before, so the first
pages of a site keep their chrome: the price of deciding in one pass, in stream order."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from pipelines.core import ids
from pipelines.core.urls import site_of

STATE_VERSION = 1
_TOKEN = re.compile(r"\w+")
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class BoilerplateConfig:
    """Thresholds of the site model (defaults are what the eval and tests use)."""

    min_pages: int = 5
    """A block must recur on at least this many other pages of the site: above the number of
    versions (updates, re-syndicated copies) one story usually gets on one site."""
    min_share: float = 0.2
    """…and on at least this share of the site's pages in the window (a sentence two stories
    share on a big site is not chrome)."""
    window_pages: int = 100
    """Pages remembered per site (the oldest are evicted first)."""
    max_age_ms: int = 7 * 24 * 3600 * 1000
    """Pages older than this (event time, relative to the newest page) are forgotten; the Beam
    step also clears a site's state when no page arrived for this long."""
    max_blocks_per_page: int = 150
    """Fingerprints kept per page: bounds the state at window_pages × max_blocks_per_page."""
    min_chars: int = 12
    """Shorter blocks are not learned (labels like "Share" are caught on the page already)."""


def fingerprint(text: str) -> str:
    """Normalised block fingerprint: NFKC, case-folded, digits folded, punctuation dropped."""
    normal = " ".join(_TOKEN.findall(_DIGITS.sub("0", unicodedata.normalize("NFKC", text).casefold())))
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=8, person=b"nb-block").hexdigest() if normal else ""


def site_key(article: dict) -> str:
    """The key site models are kept under: the canonical URL's host, else the site name."""
    return site_of(article.get("canonical_url") or article.get("url") or "") or article.get("site") or ""


def empty_state() -> dict[str, Any]:
    return {"v": STATE_VERSION, "pages": [], "counts": {}}


class SiteBoilerplate:
    """The boilerplate model of one site; `state` is the plain dict kept between elements."""

    def __init__(self, state: dict[str, Any] | None = None, config: BoilerplateConfig | None = None) -> None:
        self.config = config or BoilerplateConfig()
        self.state = state if state and state.get("v") == STATE_VERSION else empty_state()

    # -- state upkeep

    def _forget(self, index: int) -> None:
        _key, _time, fps = self.state["pages"].pop(index)
        counts = self.state["counts"]
        for fp in fps:
            left = counts.get(fp, 0) - 1
            if left > 0:
                counts[fp] = left
            else:
                counts.pop(fp, None)

    def expire(self, now_ms: int) -> None:
        """Forget pages older than max_age_ms before `now_ms`, and the oldest past the window."""
        pages = self.state["pages"]
        horizon = now_ms - self.config.max_age_ms
        i = 0
        while i < len(pages):
            if pages[i][1] < horizon:
                self._forget(i)
            else:
                i += 1
        while len(pages) > self.config.window_pages:
            self._forget(0)

    def observe(self, page_key: str, time_ms: int, fps: list[str]) -> None:
        """Remember one page's fingerprints (a re-fetch of `page_key` replaces its old entry)."""
        pages = self.state["pages"]
        for i, entry in enumerate(pages):
            if entry[0] == page_key:
                self._forget(i)
                break
        unique = sorted(set(fp for fp in fps if fp))[: self.config.max_blocks_per_page]
        pages.append([page_key, time_ms, unique])
        counts = self.state["counts"]
        for fp in unique:
            counts[fp] = counts.get(fp, 0) + 1
        self.expire(max(time_ms, max(entry[1] for entry in pages)))

    def is_boilerplate(self, fp: str) -> bool:
        """Does `fp` recur on enough of the remembered pages?"""
        if not fp:
            return False
        count = self.state["counts"].get(fp, 0)
        return count >= self.config.min_pages and count >= self.config.min_share * max(1, len(self.state["pages"]))

    # -- one article

    def process(self, article: dict, time_ms: int | None = None) -> dict:
        """Relabel the article's learned boilerplate, then learn from the article. Returns a new
        dict (the input is not modified); page_id is kept, body/lead/content_hash/empty follow."""
        from pipelines.core.extract.page import body_from_blocks, lead_of

        when = int(time_ms if time_ms is not None else article.get("fetched_at") or 0)
        page_key = article.get("canonical_url") or article.get("url") or ""
        blocks = article.get("blocks") or []
        fps = [fingerprint(b["text"]) if len(b["text"]) >= self.config.min_chars else "" for b in blocks]
        for i, entry in enumerate(self.state["pages"]):
            if entry[0] == page_key:  # a re-fetch: judge it against the *other* pages only
                self._forget(i)
                break
        changed = False
        new_blocks = []
        for block, fp in zip(blocks, fps, strict=True):
            if block["kind"] == "article" and block["text"] != article.get("title") and self.is_boilerplate(fp):
                new_blocks.append({**block, "kind": "boilerplate"})
                changed = True
            else:
                new_blocks.append(block)
        self.observe(page_key, when, fps)
        if not changed:
            return article
        paragraphs = body_from_blocks(new_blocks, article.get("title") or "")
        body = "\n".join(paragraphs)
        return {**article, "blocks": new_blocks, "body": body, "lead": lead_of(paragraphs),
                "content_hash": ids.content_hash(body), "empty": not paragraphs}
