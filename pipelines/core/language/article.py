"""Per-article and per-block language tagging.

Why per block: a page is often an article in one language inside site chrome in another
(the seed page: an English article, Indonesian navigation and "Baca lebih lanjut" links).
Each block, related item and the title is detected on its own; the article's language is
the letter-weighted vote of its article blocks and title, so chrome mixed into the body
cannot flip it. Short blocks ("Share", "Baca lebih lajut »") are decided by the detector
only when it is confident, else they inherit a context language: the language of the other
blocks of their kind, the page's declared language for chrome, else the article's.
id vs ms is decided once per page from every Malay-family block plus the page's hints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.core.language import malay
from pipelines.core.language.codes import MALAY_FAMILY, UNDETERMINED, primary_subtag
from pipelines.core.language.detector import Detection, LanguageTagger, get_tagger

SHORT_WORDS = 4  # fewer words than this is a "short" block ...
SHORT_CHARS = 12  # ... or fewer letters, for scripts written without spaces
CONFIDENT = 0.80  # a short block keeps its own detection at or above this family confidence
HINT_KEYS = ("html_lang", "og_locale", "content_language", "site_language")
_HINT_PASSTHROUGH = ("url", "canonical_url", "site")


@dataclass(slots=True)
class _Unit:
    """One text of the page being tagged, where its result goes, and its detection."""

    text: str
    kind: str  # "title", "article", "boilerplate" or "related"
    detection: Detection
    weight: int
    short: bool
    lang: str = UNDETERMINED


def collect_hints(article: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the page says about its language: article["page_language_hints"], overridden by extra,
    plus url/canonical_url/site from the article for the country-domain cue."""
    hints: dict[str, Any] = {}
    stored = article.get("page_language_hints")
    if isinstance(stored, Mapping):
        hints.update({k: v for k, v in stored.items() if v})
    if extra:
        hints.update({k: v for k, v in extra.items() if v})
    for key in _HINT_PASSTHROUGH:
        if not hints.get(key) and article.get(key):
            hints[key] = article[key]
    return hints


def declared_language(hints: Mapping[str, Any]) -> str | None:
    """The page's own claim (html lang, og:locale, Content-Language, known site language), if any."""
    for key in HINT_KEYS:
        value = hints.get(key)
        if isinstance(value, (list, tuple)):
            value = value[0] if value else None
        code = primary_subtag(value) if isinstance(value, str) else None
        if code:
            return code
    return None


def tag_article(
    article: dict[str, Any],
    page_hints: Mapping[str, Any] | None = None,
    tagger: LanguageTagger | None = None,
) -> dict[str, Any]:
    """A copy of article with language, language_confidence, blocks[].language and related[].language set."""
    tagger = tagger or get_tagger()
    hints = collect_hints(article, page_hints)
    cache: dict[str, Detection] = {}

    def unit(text: str, kind: str) -> _Unit:
        text = text or ""
        det = cache.get(text)
        if det is None:
            det = cache[text] = tagger.detect(text, hints)
        return _Unit(text, kind, det, _letters(text), _is_short(text))

    title = unit(str(article.get("title") or ""), "title")
    blocks = [dict(b) for b in article.get("blocks") or []]
    related = [dict(r) for r in article.get("related") or []]
    block_units = [unit(str(b.get("text") or ""), str(b.get("kind") or "boilerplate")) for b in blocks]
    related_units = [
        unit(" ".join(p for p in (str(r.get("title") or ""), str(r.get("snippet") or "")) if p), "related")
        for r in related
    ]
    body_units = [u for u in block_units if u.kind == "article"]
    if not body_units and article.get("body"):
        body_units = [unit(p, "article") for p in str(article["body"]).split("\n") if p.strip()]
    every = [title, *block_units, *related_units, *body_units]

    _settle_malay(every, tagger, hints)
    for u in every:
        u.lang = u.detection.lang
    lang, confidence = _vote([title, *body_units])
    declared = declared_language(hints)
    context = {
        "article": lang,
        "title": lang,
        "boilerplate": _majority(block_units, "boilerplate") or declared or lang,
        "related": _majority([*block_units, *related_units], "related") or lang,
    }
    for u in every:
        if u.detection.lang == UNDETERMINED:
            continue
        if u.short and u.detection.family_confidence < CONFIDENT:
            u.lang = context.get(u.kind, lang)

    out = dict(article)
    out["language"] = lang
    out["language_confidence"] = round(confidence, 4)
    for b, u in zip(blocks, block_units, strict=True):
        b["language"] = u.lang
    for r, u in zip(related, related_units, strict=True):
        r["language"] = u.lang
    out["blocks"] = blocks
    out["related"] = related
    return out


def _settle_malay(units: list[_Unit], tagger: LanguageTagger, hints: Mapping[str, Any]) -> None:
    """One id/ms decision for the page, from all its Malay-family text and its hints."""
    family = [u for u in units if u.detection.lang in MALAY_FAMILY]
    if not family:
        return
    texts = list(dict.fromkeys(u.text for u in family))
    joined = " ".join(texts)[:2000]
    p_ms, p_id = tagger.malay_scores(joined)
    choice = malay.decide(p_ms, p_id, (joined,), hints)
    other = "id" if choice.lang == "ms" else "ms"
    for u in family:
        group = u.detection.family_confidence
        u.detection = Detection(choice.lang, group * choice.probability, other, u.detection.method + "+page", group)


def _vote(units: list[_Unit]) -> tuple[str, float]:
    """Letter-weighted vote: (language, weighted share of the winner times its mean confidence)."""
    weights: dict[str, float] = {}
    support: dict[str, float] = {}
    total = 0.0
    for u in units:
        if u.detection.lang == UNDETERMINED or u.weight == 0:
            continue
        total += u.weight
        weights[u.detection.lang] = weights.get(u.detection.lang, 0.0) + u.weight
        support[u.detection.lang] = support.get(u.detection.lang, 0.0) + u.weight * u.detection.confidence
    if not weights:
        return UNDETERMINED, 0.0
    best = max(weights, key=weights.__getitem__)
    return best, support[best] / total


def _majority(units: list[_Unit], kind: str) -> str | None:
    """Most-weighted language among the confident, non-short units of one kind."""
    weights: dict[str, float] = {}
    for u in units:
        if u.kind != kind or u.short or u.detection.lang == UNDETERMINED:
            continue
        if u.detection.family_confidence < CONFIDENT:
            continue
        weights[u.detection.lang] = weights.get(u.detection.lang, 0.0) + u.weight
    return max(weights, key=weights.__getitem__) if weights else None


def _letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _is_short(text: str) -> bool:
    words = text.split()
    if len(words) >= SHORT_WORDS:
        return False
    first = next((ch for ch in text if ch.isalpha()), "")
    script = _script_of_char(first)
    return script not in ("Hani", "Thai") or _letters(text) < SHORT_CHARS


def _script_of_char(ch: str) -> str | None:
    if not ch:
        return None
    cp = ord(ch)
    if 0x3040 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF:
        return "Hani"
    if 0x0E00 <= cp <= 0x0E7F:
        return "Thai"
    return None
