"""text/plain pages: aggregator pastes like the user's seed, where markup is gone and the article,
the site chrome and a "Similar News" list of glued headline+teaser lines share one stream of lines.

Each line (or blank-line separated paragraph, for hard-wrapped text) is one block. A block is:
- chrome when it is a "Read more »" line, a related-list heading, a labelled chrome line, or short
  and without sentence punctuation;
- a related item when it follows a related heading or sits right above a "Read more" line; its
  glued headline and teaser ("…assault—militaryThe escalation…") are split where a lower-case run
  runs straight into a capitalised word;
- article text otherwise (prose: sentence punctuation and a few words, or simply long).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipelines.core.extract.lexicon import CHROME_LINE, READ_MORE_LINE, RELATED_HEADING

_OPENERS = set("«“„\"‘'")
_CLOSERS = set(".!?)]’”\"'%»0123456789")
CAMEL_WORDS = frozenset(
    [
        "whatsapp", "youtube", "tiktok", "linkedin", "playstation", "javascript", "iphone", "ipad", "macbook",
        "mcdonald", "mcdonalds", "paypal", "fedex", "blackrock", "openai", "deepmind", "github", "harpercollins",
        "jpmorgan", "softbank", "ebay", "astrazeneca", "glaxosmithkline", "biontech", "exxonmobil", "arcelormittal",
        "thyssenkrupp", "easyjet", "airbnb", "doordash", "mastercard", "powerpoint", "natwest", "hotmail", "gmbh",
        "phds", "yougov", "bayern",
    ]
)
"""Brand words whose inner capital is not a glue point."""


@dataclass
class TextResult:
    """Blocks as (text, kind), the title if the page starts with one, and the related items."""

    blocks: list[tuple[str, str]] = field(default_factory=list)
    title: str = ""
    title_index: int = -1
    related: list[dict] = field(default_factory=list)


def _units(text: str) -> list[str]:
    """Lines, or paragraphs when the text is hard-wrapped (short lines grouped by blank lines)."""
    raw_lines = text.splitlines()
    lines = [" ".join(line.split()) for line in raw_lines]
    non_empty = [line for line in lines if line]
    if not non_empty:
        return []
    has_blank = len(non_empty) < len(lines)
    wrapped = has_blank and max(len(line) for line in non_empty) <= 100 and sum(
        1 for a, b in zip(lines, lines[1:], strict=False) if a and b) >= len(non_empty) * 0.5
    if not wrapped:
        return non_empty
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out


def _is_prose(line: str) -> bool:
    words = len(line.split())
    return words >= 15 or (words >= 5 and line[-1] in ".!?…:;\"”’»)")


def split_glued(line: str) -> tuple[str, str]:
    """(headline, teaser) of a line whose headline runs straight into its teaser; (line, "") if none."""
    n = len(line)
    for i in range(1, n - 1):
        ch, prev = line[i], line[i - 1]
        if prev.isspace():
            continue
        opens_quote = line[i + 1].isupper() or line[i + 1] == " " and line[i + 2:i + 3].isupper()
        if ch in _OPENERS and prev.islower() and opens_quote:
            pass  # "…Belarus«Moscow said…": the teaser opens with a quote
        elif not ch.isupper() or not (prev.islower() or line[i + 1].islower()):
            continue
        if prev.islower():
            run = 0
            j = i - 1
            while j >= 0 and line[j].islower():
                run += 1
                j -= 1
            if run < 2:  # "McDonald", "iPhone", "eBay"
                continue
            start, end = j + 1, i
            while start > 0 and line[start - 1].isalpha():
                start -= 1
            while end < n and line[end].isalpha():
                end += 1
            if line[start:end].lower() in CAMEL_WORDS:
                continue
        elif prev not in _CLOSERS:
            continue
        head, tail = line[:i].strip(), line[i:].strip()
        if 3 <= len(head.split()) <= 30 and len(tail.split()) >= 3:
            return head, tail
    return line, ""


def extract_text(text: str) -> TextResult:
    """Classify the blocks of a plain-text page and collect its related items."""
    units = _units(text)
    result = TextResult()
    kinds = ["boilerplate"] * len(units)
    in_related = False
    for i, unit in enumerate(units):
        following = units[i + 1] if i + 1 < len(units) else ""
        if READ_MORE_LINE.match(unit):
            continue
        if len(unit) <= 400 and RELATED_HEADING.match(unit):
            in_related = True
            continue
        short_chrome = len(unit) < 160 and bool(CHROME_LINE.match(unit))
        if (in_related or READ_MORE_LINE.match(following)) and not short_chrome and len(unit.split()) >= 4:
            title, snippet = split_glued(unit)
            result.related.append({"title": title, "url": None, "snippet": snippet, "language": "und"})
            kinds[i] = "related"
        elif not in_related and not short_chrome and _is_prose(unit):
            kinds[i] = "article"
    # A short unpunctuated first line right above the article is its headline.
    first = next((i for i, kind in enumerate(kinds) if kind == "article"), -1)
    if first > 0:
        candidate = units[first - 1]
        if kinds[first - 1] == "boilerplate" and 3 <= len(candidate.split()) <= 25 and not CHROME_LINE.match(
            candidate
        ) and candidate[-1] not in ".:;,»":
            result.title, result.title_index = candidate, first - 1
            kinds[first - 1] = "article"
    result.blocks = list(zip(units, kinds, strict=True))
    return result
