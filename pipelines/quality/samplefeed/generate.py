"""Deterministic generator of a realistic sample feed for ``news.pages.raw.v1``.

The demo, the evals and the end-to-end tests need input that looks like a crawl: many sites and
languages, chrome that is not article text, near-duplicate syndicated copies, follow-up stories
on the same event, aggregator pages shaped like the user's seed, and a handful of messages that
must end up as dead letters. Real crawls cannot be shipped or fetched here, so this module builds
one from templates with a seeded ``random.Random``: the same seed gives a byte-identical file.

Each JSONL line is one Kafka message: either a RawPage JSON envelope (plus a ``_meta`` annotation
the producer drops and the tests read) or ``{"key", "value_b64", "timestamp_ms", "_meta"}`` for bytes that are sent
verbatim (the malformed messages). Usage::

    python -m pipelines.quality.samplefeed.generate OUT.jsonl [--seed 7] [--pages 320] [--huge]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import re
import sys
import time
import warnings
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from random import Random
from typing import Any

from pipelines.config import PROJECT_ROOT
from pipelines.quality.samplefeed.corpus import AGENCY, LANGUAGES, STORM_NAMES, TOPICS, Language
from pipelines.quality.samplefeed.sites import (
    AGGREGATORS,
    SITE_BY_KEY,
    SITES,
    PageView,
    Site,
    aggregator_text,
    render_empty,
)

# The user's own sample pages, kept in the repository so a clone alone can build the feed.
DEFAULT_SEEDS_DIR = PROJECT_ROOT / "tests" / "data" / "seeds"
RAWPAGE_SCHEMA = PROJECT_ROOT / "schemas" / "RawPage.avsc"

MINUTE, HOUR, DAY = 60_000, 3_600_000, 86_400_000


# Originals of the default feed are published over this span (its pages spread over up to four
# days with follow-ups, copies and late crawls). The default holds every feed size to the same
# span, so a bigger feed is a denser one.
CRAWL_SPAN_MS = 64 * HOUR
# How far apart in time two events of one language and topic may be set in the same city: a
# second one, from the same templates, reads like the first, and its copies and the related-news
# items that name it come up to two days after it, inside the story horizon.
PLACE_GAP_MS = 8 * DAY
# Related-news blocks list pages published this close to the page: the whole crawl of the default
# span; a day and a half, inside the story horizon, in a longer crawl (news sites list recent news).
RELATED_WINDOW_MS, SPREAD_RELATED_WINDOW_MS = 5 * DAY, 36 * HOUR


def crawl_span_ms(n_pages: int, pages_per_day: float | None) -> int:
    """The span over which originals are published: `CRAWL_SPAN_MS`, or as long as `n_pages` take at
    `pages_per_day` (never shorter), so that events per language and topic inside the story horizon
    do not grow with the feed."""
    if pages_per_day is None:
        return CRAWL_SPAN_MS
    return max(CRAWL_SPAN_MS, round(n_pages / pages_per_day * DAY) // MINUTE * MINUTE)


def default_start_ms(now_ms: int | None = None, span_ms: int = CRAWL_SPAN_MS) -> int:
    """Midnight UTC five days ago for the default span, a day earlier for each day a longer span
    adds: the crawl then lies in the past, before Kafka 4's one-hour limit on future timestamps.
    The default span also stays inside the raw topic's 7-day retention (Kafka deletes by record
    timestamp); a longer crawl needs a topic that keeps it (the benchmarks create theirs so)."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    extra_days = -(-max(0, span_ms - CRAWL_SPAN_MS) // DAY)
    return (now_ms // DAY - 5 - extra_days) * DAY
SYNDICATED_SHARE = 0.25
LANG_WEIGHTS = {"en": 20, "id": 12, "de": 12, "fr": 12, "es": 12, "pt": 11, "it": 10, "nl": 10}
TRACKING = ("?utm_source=rss&utm_medium=feed", "?at_medium=RSS&at_campaign=rss",
            "?utm_source=twitter&utm_medium=social&utm_campaign=share", "?fbclid=IwAR0x7Kq2")
EDIT_OPS = ("dateline", "drop", "add", "wording", "quotes", "dashes", "merge", "copyright",
            "title")
_ALT = re.compile(r"\[([^\[\]]*)\]")
_GENDER = re.compile(r"<(\w+):([^|>]*)\|([^>]*)>")
_STRAIGHT = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'",
                           "’": "'", "‚": "'"})
_SEED_CHROME = re.compile(r"Berita Terbaru|Berita utama|^Similar News:|Baca lebih lajut")


@dataclass
class Story:
    """One cluster: the text every copy derives from, with the facts its templates filled."""

    sid: str
    eid: str
    lang: str
    topic: str
    kind: str
    facts: dict[str, Any]
    published: int
    title: str = ""
    paragraphs: list[str] = field(default_factory=list)
    used: list[int] = field(default_factory=list)


@dataclass
class Page:
    """One HTML page of one story on one site, before rendering."""

    story: Story
    site: Site
    kind: str
    title: str
    paragraphs: list[str]
    published: int
    fetched: int
    uid: int
    boilerplate: list[str] = field(default_factory=list)
    edits: list[str] = field(default_factory=list)
    original: Page | None = None
    teaser: bool = False
    url: str = ""
    view: PageView | None = None
    related: list[dict[str, str]] = field(default_factory=list)


# --- text ------------------------------------------------------------------------------------

def _dt(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _iso(ms: int) -> str:
    return _dt(ms).isoformat().replace("+00:00", "Z")


def _person(rng: Random, lang: Language) -> tuple[str, str]:
    """A name from the language's lists and its grammatical gender (``m``/``f``)."""
    gender = rng.choice("mf")
    first = rng.choice(lang.items("male" if gender == "m" else "female"))
    return f"{first} {rng.choice(lang.items('last'))}", gender


def _facts(rng: Random, lang: Language, spread: bool = False) -> dict[str, Any]:
    """The language-neutral facts of a new event (names are drawn from its language's lists; a
    `spread` crawl also sets events in its towns)."""
    city, city2 = rng.sample(lang.items("cities") + (lang.items("towns") if spread else []), 2)
    facts: dict[str, Any] = {"city": city, "city2": city2, "storm": rng.choice(STORM_NAMES)}
    for key in ("person", "person2", "person3"):
        name, gender = _person(rng, lang)
        while any(name.split()[-1] in str(v) for v in facts.values()):
            name, gender = _person(rng, lang)
        facts[key], facts[f"{key}_g"] = name, gender
    team, team2 = rng.sample(lang.items("teams"), 2)
    facts.update(org=rng.choice(lang.items("orgs")).format(city=city),
                 team=team.format(city=city), team2=team2.format(city=city2),
                 n1=rng.randrange(1200, 48000, 10), n2=rng.randint(3, 60), n3=rng.randint(120, 900),
                 kmh=rng.randint(85, 160), mm=rng.randint(40, 180), pay=rng.randint(5, 12),
                 pay_low=rng.randint(2, 4), money=rng.randint(180, 950),
                 votes_for=rng.randint(21, 35), votes_against=rng.randint(8, 20),
                 b=rng.randint(0, 2), minute=rng.randint(78, 93), wins=rng.randint(4, 14))
    facts.update(a=facts["b"] + rng.randint(1, 2), games=facts["wins"] + rng.randint(3, 8))
    return facts


def _slots(lang: Language, facts: dict[str, Any], published: int) -> dict[str, str]:
    """Facts formatted for one language, with weekday names for the story's own date."""
    days, wd = lang.items("days"), _dt(published).weekday()
    on = lang.items("on") if "on" in lang.settings else days
    slots = {k: lang.number(v) if isinstance(v, int) else v for k, v in facts.items()}
    slots.update(day=days[wd], dayp=days[wd - 1], day2=days[(wd + 1) % 7], onday=on[wd],
                 score=lang.settings["score"].format(a=facts["a"], b=facts["b"]),
                 CITY=facts["city"].upper(), agency=AGENCY)
    return slots


def _fill(rng: Random, template: str, story: Story) -> str:
    """Expand ``[a|b]`` variants, ``<person:m|f>`` agreement and ``{slot}`` facts."""
    lang = LANGUAGES[story.lang]
    text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    text = _GENDER.sub(lambda m: m.group(2) if story.facts[m.group(1) + "_g"] == "m"
                       else m.group(3), text)
    return text.format_map(_slots(lang, story.facts, story.published))


def _write_story(rng: Random, story: Story, base: Story | None) -> None:
    """Title and paragraphs: an original draws 3-4 body sentences; a follow-up uses the rest."""
    lang = LANGUAGES[story.lang]
    sec, gen = lang.sections[story.topic], lang.sections["generic"]
    if base is None:
        story.title = _fill(rng, rng.choice(sec["T"]), story)
        lead = _fill(rng, rng.choice(sec["L"]), story)
        story.used = sorted(rng.sample(range(len(sec["B"])), rng.choice((3, 3, 4, 4))))
        extra = [rng.choice(gen["K"])] if rng.random() < 0.4 else []
    else:
        story.title = _fill(rng, sec["F"][0], story)
        lead = _fill(rng, sec["G"][0], story)
        story.used = [i for i in range(len(sec["B"])) if i not in base.used][:2] or [0]
        extra = [rng.choice(gen["U"])]
    sentences = [_fill(rng, sec["B"][i], story) for i in story.used]
    sentences += [_fill(rng, t, story) for t in extra]
    paragraphs, i = [lead], 0
    while i < len(sentences):
        if i + 1 < len(sentences) and rng.random() < 0.3:
            paragraphs.append(f"{sentences[i]} {sentences[i + 1]}")
            i += 2
        else:
            paragraphs.append(sentences[i])
            i += 1
    if rng.random() < 0.5:
        paragraphs.append(_fill(rng, rng.choice(gen["O"]), story))
    story.paragraphs = paragraphs



_SMALL = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to"}


def _title_case(title: str) -> str:
    """Headline style some English copy desks use (small words stay lower-case)."""
    return " ".join(w if w in _SMALL and i else w[:1].upper() + w[1:]
                    for i, w in enumerate(title.split(" ")))


def _syndicate(rng: Random, story: Story) -> tuple[str, list[str], list[str], list[str], bool]:
    """A copy's title, paragraphs, boilerplate and edit names, as copy desks change wire text."""
    title, paras, boiler = story.title, list(story.paragraphs), []
    if rng.random() < 0.12 and len(paras) > 1:
        words = paras[1].split()
        return title, [paras[0], " ".join(words[: min(len(words) - 1, 22)]) + "…"], [], \
            ["teaser"], True
    done = []
    for op in rng.sample(EDIT_OPS, rng.randint(2, 4)):
        before = (title, paras, boiler)
        title, paras, boiler = _edit(rng, op, story, title, paras, boiler)
        if (title, paras, boiler) != before:
            done.append(op)
    if paras == story.paragraphs:  # every copy must differ in its body text
        title, paras, boiler = _edit(rng, "dateline", story, title, paras, boiler)
        done.append("dateline")
    return title, paras, boiler, done, False


def _edit(rng: Random, op: str, story: Story, title: str, paras: list[str],
          boiler: list[str]) -> tuple[str, list[str], list[str]]:
    """One copy-desk edit (see ``EDIT_OPS``); returns new values, the inputs stay untouched."""
    lang = LANGUAGES[story.lang]
    paras, boiler = list(paras), list(boiler)
    if op == "dateline":
        prefix = lang.settings["dateline"].format(CITY=story.facts["city"].upper(),
                                                  city=story.facts["city"], agency=AGENCY,
                                                  dash=rng.choice("–-—"))
        paras[0] = f"{prefix} {paras[0]}"
    elif op == "drop" and len(paras) >= 4:
        del paras[-1]  # copy desks cut from the bottom
    elif op == "add":
        gen = lang.sections["generic"]
        extra = _fill(rng, rng.choice(gen["K"] + gen["O"]), story)
        if extra not in paras:
            paras.insert(rng.randint(2, len(paras)), extra)
    elif op == "wording":
        for old, new in lang.wording:
            pattern = re.compile(rf"\b{re.escape(old)}\b")
            paras = [pattern.sub(new, p) for p in paras]
    elif op == "quotes":
        title, paras = title.translate(_STRAIGHT), [p.translate(_STRAIGHT) for p in paras]
    elif op == "dashes":
        dash = rng.choice((" - ", " — ", " -- "))
        title, paras = title.replace(" – ", dash), [p.replace(" – ", dash) for p in paras]
    elif op == "merge" and len(paras) >= 3:
        i = rng.randrange(1, len(paras) - 1)
        paras[i: i + 2] = [f"{paras[i]} {paras[i + 1]}"]
    elif op == "copyright":
        boiler.append(lang.settings["copyright"].format(agency=AGENCY))
    elif op == "title":
        title = (rng.choice((_title_case(title), f"UPDATE 1-{title}")) if story.lang == "en"
                 else f"{title} ({AGENCY})")
    return title, paras, boiler


# --- planning --------------------------------------------------------------------------------

def _pick_site(rng: Random, lang: str, exclude: set[str]) -> Site | None:
    sites = [s for s in SITES if lang in s.langs and s.key not in exclude]
    if not sites:
        return None
    return rng.choices(sites, weights=[s.langs[lang] for s in sites])[0]


def _plan(rng: Random, n_pages: int, start_ms: int, span_ms: int = CRAWL_SPAN_MS) -> tuple[list[Story], list[Page]]:
    """Stories (originals, follow-ups) and their pages, then syndicated copies of them. Originals
    are published over `span_ms` from two hours before `start_ms`."""
    n_copies = round(n_pages * SYNDICATED_SHARE)
    stories: list[Story] = []
    pages: list[Page] = []
    total = sum(LANG_WEIGHTS.values())
    langs = [lang for lang, w in LANG_WEIGHTS.items()
             for _ in range(round(w * (n_pages - n_copies) / total) + 1)]
    rng.shuffle(langs)  # a shuffled quota, so small languages are not starved by chance
    uid = 418_000
    places: dict[tuple[str, str, str], list[int]] = {}  # (language, topic, city) → its events' times
    bases: list[Story] = []  # originals early enough for a follow-up inside the crawl
    followups: dict[str, set[str]] = {}  # event → languages of its follow-ups

    def place_taken(lang: str, topic: str, facts: dict[str, Any], published: int) -> bool:
        return any(abs(published - t) < PLACE_GAP_MS for t in places.get((lang, topic, facts["city"]), ()))

    spread = span_ms != CRAWL_SPAN_MS
    while len(stories) < n_pages - n_copies:
        uid += rng.randint(3, 400)
        lang = rng.choice(list(LANG_WEIGHTS))
        if bases and rng.random() < 0.13:
            base = rng.choice(bases)
            # one follow-up per event and language: two would be near-duplicates of each other
            taken = followups.setdefault(base.eid, set())
            lang = base.lang if base.lang not in taken and rng.random() < 0.75 else lang
            if lang in taken:
                continue
            taken.add(lang)
            facts = dict(base.facts, n1=rng.randrange(1200, 48000, 10), n3=rng.randint(40, 400))
            published = base.published + rng.randint(4 * HOUR, 30 * HOUR) // MINUTE * MINUTE
            story = Story(f"s-{len(stories) + 1:04d}", base.eid, lang, base.topic, "followup",
                          facts, published)
        else:
            lang = langs.pop()
            published = start_ms + rng.randint(-2 * HOUR, span_ms - 2 * HOUR) // MINUTE * MINUTE
            topic, facts = rng.choice(TOPICS), _facts(rng, LANGUAGES[lang], spread)
            for _ in range(20):  # one event per city and topic at a time (PLACE_GAP_MS)
                if not place_taken(lang, topic, facts, published):
                    break
                topic, facts = rng.choice(TOPICS), _facts(rng, LANGUAGES[lang], spread)
            places.setdefault((lang, topic, facts["city"]), []).append(published)
            story = Story(f"s-{len(stories) + 1:04d}", f"e-{len(stories) + 1:04d}", lang,
                          topic, "original", facts, published)
            base = None
            if published < start_ms + span_ms - 4 * HOUR:
                bases.append(story)
        _write_story(rng, story, base)
        stories.append(story)
        site = _pick_site(rng, lang, set())
        assert site is not None
        fetched = max(published, start_ms) + rng.randint(3 * MINUTE, 90 * MINUTE)
        pages.append(Page(story, site, story.kind, story.title, story.paragraphs, published,
                          fetched, uid))
    originals = list(pages)
    copies_of: Counter[str] = Counter()
    sites_of: dict[str, set[str]] = {p.story.sid: {p.site.key} for p in originals}
    while n_copies:
        orig = rng.choice(originals)
        used = sites_of[orig.story.sid]
        site = _pick_site(rng, orig.story.lang, set(used))
        if site is None or copies_of[orig.story.sid] >= 3:
            continue
        copies_of[orig.story.sid] += 1
        used.add(site.key)
        n_copies -= 1
        uid += rng.randint(3, 400)
        title, paras, boiler, edits, teaser = _syndicate(rng, orig.story)
        published = orig.published + rng.randint(20, 360) * MINUTE
        fetched = published + rng.randint(2 * MINUTE, 60 * MINUTE)
        if fetched < orig.fetched and rng.random() < 0.8:  # most copies are crawled after it
            fetched = orig.fetched + rng.randint(2 * MINUTE, 60 * MINUTE)
        pages.append(Page(orig.story, site, "syndicated", title, paras, published, fetched, uid,
                          boiler, edits, orig, teaser))
    return stories, pages


def _snippet(text: str, words: int = 18) -> str:
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words]) + "…"


def _views(rng: Random, pages: list[Page], related_window_ms: int = RELATED_WINDOW_MS) -> None:
    """URLs first (related blocks need every URL), then the rest of each page's view."""
    seen: set[str] = set()
    for p in pages:
        lang = LANGUAGES[p.story.lang]
        author = AGENCY if p.kind == "syndicated" and rng.random() < 0.4 else \
            _person(rng, lang)[0]
        modified = p.published + rng.randint(20, 180) * MINUTE if rng.random() < 0.4 else None
        p.view = PageView(p.site, p.story.lang, p.story.topic, p.title, p.paragraphs, author,
                          _dt(p.published), _dt(modified) if modified else None, p.uid,
                          boilerplate=p.boilerplate)
        p.url = p.site.url(p.view)
        while p.url in seen:  # two stories from one template on one site and day
            p.view.slug_suffix += "-2"
            p.url = p.site.url(p.view)
        seen.add(p.url)
        p.view.url = p.url
    by_language: dict[str, list[tuple[int, int]]] = {}  # language → (published, index), sorted
    for index, p in enumerate(pages):
        by_language.setdefault(p.story.lang, []).append((p.published, index))
    for column in by_language.values():
        column.sort()
    for p in pages:
        assert p.view is not None
        chrome = p.view.chrome
        column = by_language[p.story.lang]
        near = column[bisect_left(column, (p.published - related_window_ms, -1)):
                      bisect_right(column, (p.published + related_window_ms, len(pages)))]
        cands = [q for q in (pages[i] for i in sorted(i for _, i in near)) if q.story is not p.story]
        score = {id(q): 3 * (q.story.eid == p.story.eid) + 2 * (q.site is p.site)
                 + (q.story.topic == p.story.topic) + 2.5 * rng.random() for q in cands}
        cands.sort(key=lambda q: -score[id(q)])
        chosen = cands[: rng.randint(3, 5)]
        p.view.related = [(q.title, q.url, _snippet(q.paragraphs[0])) for q in chosen]
        p.related = [{"url": q.url, "story": q.story.sid} for q in chosen]
        if p.site.key in ("kabarnusa", "eldiariocosta") and cands and rng.random() < 0.7:
            other = rng.choice(cands[5:13] or cands)
            p.view.read_also = (other.title, other.url)
        names = chrome.items("male") + chrome.items("female")
        talk = rng.sample(chrome.items("talk"), rng.randint(0, 4))
        p.view.comments = [(f"{rng.choice(names)}{rng.randint(7, 99)}", t) for t in talk]
        if p.teaser and p.original:
            p.view.teaser_link = p.original.url


# --- records ---------------------------------------------------------------------------------

def _headers(site: Site, fetched: int, charset: str | None, rng: Random) -> dict[str, str]:
    ctype = f"text/html; charset={charset}" if charset else "text/html"
    headers = {"content-type": ctype, "date": format_datetime(_dt(fetched), usegmt=True),
               "server": rng.choice(("nginx", "Apache/2.4.62 (Debian)", "cloudflare", "envoy"))}
    if site.key != "gazzettalago":
        headers["content-language"] = site.chrome
    if rng.random() < 0.5:
        headers["cache-control"] = f"public, max-age={rng.choice((60, 120, 300))}"
    return headers


def _page_record(rng: Random, p: Page) -> dict[str, Any]:
    assert p.view is not None
    charset = None if p.site.key == "gazzettalago" else rng.choice(("utf-8", "utf-8", "UTF-8"))
    url = p.url + (rng.choice(TRACKING) if rng.random() < 0.3 else "")
    meta: dict[str, Any] = {
        "site": p.site.domain, "language": p.story.lang, "chrome_language": p.site.chrome,
        "story": p.story.sid, "event": p.story.eid, "kind": p.kind, "topic": p.story.topic,
        "expected_title": p.title, "expected_body": "\n".join(p.paragraphs),
        "published_at": _iso(p.published), "canonical_url": p.url,
        "related": p.related}
    if p.original:
        meta.update(original_url=p.original.url, edits=p.edits)
    return {"url": url, "source": p.site.key, "fetched_at": p.fetched,
            "published_at": p.published if rng.random() < 0.7 else None,
            "content_type": "text/html", "charset": charset,
            "headers": _headers(p.site, p.fetched, charset, rng), "body": p.site.render(p.view),
            "_meta": meta}


def _aggregator_records(rng: Random, pages: list[Page]) -> list[dict[str, Any]]:
    """Text/plain aggregator copies shaped like the seed: glued paragraphs and similar items."""
    out = []
    for chrome, langs in (("id", ("en", "en")), ("de", ("de", "en")), ("es", ("es", "en"))):
        for lang in langs:
            sources = [p for p in pages if p.kind == "original" and p.story.lang == lang
                       and len(p.paragraphs) >= 3]
            if not sources:
                continue
            src = rng.choice(sources)
            paras = list(src.paragraphs)
            i = rng.randrange(1, len(paras) - 1)
            paras[i: i + 2] = [paras[i] + paras[i + 1]]
            by_story: dict[str, list[Page]] = {}
            for q in pages:
                if q.story.lang == lang and q.story is not src.story and not q.teaser:
                    by_story.setdefault(q.story.sid, []).append(q)
            # near-duplicate items first (copies of one story), as in the seed's block
            clusters = sorted(by_story.values(), key=lambda c: (-min(len(c), 3), c[0].uid))
            if not clusters:
                continue
            top = rng.choice([c for c in clusters if len(c) == len(clusters[0])])
            cluster = list({(q.title, q.paragraphs[0]): q for q in top}.values())[:3]
            others = [c[0] for c in clusters if c[0].story.eid != cluster[0].story.eid]
            similar = [*cluster, *rng.sample(others, min(len(others), 4 - len(cluster)))]
            items = [(q.title, q.paragraphs[0].split(". ")[0].rstrip(".") + rng.choice((".", "")))
                     for q in similar]
            fetched = src.fetched + rng.randint(HOUR, 8 * HOUR)
            word = AGGREGATORS[chrome][3]
            out.append({
                "url": f"https://{chrome}.newsaggregator.example/{word}/{rng.getrandbits(64):016x}",
                "source": f"aggregator-{chrome}", "fetched_at": fetched, "published_at": None,
                "content_type": "text/plain", "charset": "utf-8",
                "headers": {"content-type": "text/plain; charset=utf-8"},
                "body": aggregator_text(chrome, paras, items),
                "_meta": {"site": f"{chrome}.newsaggregator.example", "language": lang,
                          "chrome_language": chrome, "story": src.story.sid,
                          "event": src.story.eid, "kind": "syndicated", "topic": src.story.topic,
                          "expected_title": None, "expected_body": "\n".join(paras),
                          "published_at": None, "original_url": src.url,
                          "edits": ["aggregator_text", "glued_paragraphs"],
                          "similar": [{"title": q.title, "story": q.story.sid}
                                      for q in similar]}})
    return out


def _seed_records(seeds_dir: Path | None, start_ms: int) -> list[dict[str, Any]]:
    """The user's seed pages, verbatim, first in the feed (skipped with a warning if absent)."""
    folder = seeds_dir if seeds_dir is not None else DEFAULT_SEEDS_DIR
    if not folder.is_dir():
        warnings.warn(f"seeds dir {folder} not found; the feed has no seed pages", stacklevel=3)
        return []
    out = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".txt", ".html", ".htm"):
            continue
        body = path.read_bytes().decode("utf-8")
        ident = path.stem.rsplit("_", 1)[-1]
        lines = body.split("\n")
        cut = next((i for i, line in enumerate(lines) if _SEED_CHROME.search(line)), len(lines))
        out.append({
            "url": f"https://id.newsaggregator.example/berita/{ident}",
            "source": "aggregator-id", "fetched_at": start_ms, "published_at": None,
            "content_type": "text/plain" if path.suffix == ".txt" else "text/html",
            "charset": "utf-8", "headers": {"content-type": "text/plain; charset=utf-8"},
            "body": body,
            "_meta": {"site": "id.newsaggregator.example", "language": "en",
                      "chrome_language": "id", "story": f"seed-{ident}", "event": f"seed-{ident}",
                      "kind": "seed", "expected_title": None,
                      "expected_body": "\n".join(lines[:cut]), "seed_file": path.name}})
    return out


# --- malformed -------------------------------------------------------------------------------

def _crc64_avro(data: bytes) -> bytes:
    """CRC-64-AVRO (Rabin) fingerprint, little-endian, as single-object encoding frames it."""
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp)
    fp = empty
    for byte in data:
        fp = (fp >> 8) ^ table[(fp ^ byte) & 0xFF]
    return fp.to_bytes(8, "little")


_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def canonical_form(schema: Any, ns: str | None = None) -> str:
    """Avro Parsing Canonical Form (enough of it for this repo's schemas)."""
    if isinstance(schema, str):
        full = schema if schema in _PRIMITIVES or "." in schema or not ns else f"{ns}.{schema}"
        return json.dumps(full)
    if isinstance(schema, list):
        return "[" + ",".join(canonical_form(s, ns) for s in schema) + "]"
    kind = schema["type"]
    if kind in ("record", "enum", "fixed"):
        name = schema["name"]
        space = schema.get("namespace", ns)
        full = name if "." in name or not space else f"{space}.{name}"
        inner = full.rpartition(".")[0] or None
        parts = [f'"name":{json.dumps(full)}', f'"type":"{kind}"']
        if kind == "record":
            fields = ",".join(f'{{"name":{json.dumps(f["name"])},"type":'
                              f'{canonical_form(f["type"], inner)}}}' for f in schema["fields"])
            parts.append(f'"fields":[{fields}]')
        elif kind == "enum":
            parts.append(f'"symbols":{json.dumps(schema["symbols"], separators=(",", ":"))}')
        else:
            parts.append(f'"size":{schema["size"]}')
        return "{" + ",".join(parts) + "}"
    if kind == "array":
        return f'{{"type":"array","items":{canonical_form(schema["items"], ns)}}}'
    if kind == "map":
        return f'{{"type":"map","values":{canonical_form(schema["values"], ns)}}}'
    return canonical_form(kind, ns)


def rawpage_fingerprint(path: Path = RAWPAGE_SCHEMA) -> bytes:
    """The 8 fingerprint bytes that follow ``C3 01`` in a single-object RawPage."""
    return _crc64_avro(canonical_form(json.loads(path.read_text("utf-8"))).encode())


def _avro_str(text: str) -> bytes:
    data, n = text.encode(), len(text.encode()) << 1
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(out) + bytes([n]) + data


def _malformed(rng: Random, sample: dict[str, Any]) -> list[dict[str, Any]]:
    """At least a dozen distinct kinds of bytes that the decode stage must dead-letter."""
    env = {k: v for k, v in sample.items() if k != "_meta"}
    env["body"] = "<html><body><p>" + sample["_meta"]["expected_body"][:300] + "</p></body></html>"
    good = json.dumps(env, ensure_ascii=False).encode()

    def variant(**change: Any) -> bytes:
        return json.dumps({k: v for k, v in {**env, **change}.items() if v is not ...},
                          ensure_ascii=False).encode()

    garbage = bytes([0x89]) + bytes(rng.getrandbits(8) for _ in range(255))
    cut = good.index(b'"body"') + 40
    kinds: list[tuple[str, bytes, str]] = [
        ("binary_garbage", garbage, "random bytes, neither Avro nor JSON"),
        ("empty_value", b"", "zero-length value"),
        ("avro_header_truncated", b"\xc3\x01" + bytes(rng.getrandbits(8) for _ in range(5)),
         "Avro single-object marker followed by 5 of the 8 fingerprint bytes"),
        ("avro_unknown_fingerprint", b"\xc3\x01" + bytes.fromhex("deadbeef00c0ffee")
         + _avro_str(env["url"]), "Avro single-object with a fingerprint of no known schema"),
        ("json_array", b"[" + good + b"]", "a JSON array holding an envelope, not an object"),
        ("json_scalar", json.dumps(env["url"]).encode(), "a JSON string, not an object"),
        ("json_null", b"null", "JSON null"),
        ("json_missing_url", variant(url=...), "envelope without the required url"),
        ("json_body_wrong_type", variant(body=env["body"].split("</p>")),
         "body is a list of strings, not a string"),
        ("json_invalid_utf8", good.replace(b"<p>", b"<p>\xff\xfe\xc3(", 1),
         "invalid UTF-8 bytes inside the body string"),
        ("json_fetched_at_string", variant(fetched_at="2026-11-21 08:00"),
         "fetched_at is a date string, not epoch millis"),
        ("not_json_text", b"ERROR 2026-11-21T08:00:03Z fetch timeout for " + env["url"].encode(),
         "a crawler log line sent as the value"),
        ("json_truncated", good[:cut], "envelope cut off in the middle of the body"),
        ("json_trailing_garbage", good + b'}{"url":', "valid object followed by extra bytes"),
        ("gzip_json", gzip.compress(good, mtime=0), "gzip-compressed envelope (no framing)"),
        ("bare_html", env["body"].encode(), "raw HTML without an envelope"),
    ]
    if RAWPAGE_SCHEMA.is_file():
        payload = _avro_str(env["url"]) + _avro_str(env["source"]) + b"\xe4"
        kinds.append(("avro_truncated_payload", b"\xc3\x01" + rawpage_fingerprint() + payload,
                      "RawPage fingerprint, payload ends inside fetched_at"))
    else:
        warnings.warn(f"{RAWPAGE_SCHEMA} missing; no avro_truncated_payload case", stacklevel=3)
    return [{"key": None if i % 3 == 0 else f"bad-{name}",
             "value_b64": base64.b64encode(value).decode("ascii"),
             "_meta": {"kind": "malformed", "malformed_kind": name, "expected_stage": "decode",
                       "why": why}} for i, (name, value, why) in enumerate(kinds)]


def _oversize(sample: dict[str, Any]) -> dict[str, Any]:
    """An 11 MiB page (only with ``--huge``): valid JSON whose body exceeds the 10 MiB limit."""
    filler = "<p>" + sample["_meta"]["expected_body"].replace("\n", "</p><p>") + "</p>\n"
    body = "<html><body>" + filler * (11 * 2**20 // len(filler.encode()) + 1) + "</body></html>"
    meta = {"kind": "oversize", "expected_stage": "decode", "why": "body exceeds the 10 MiB limit",
            "site": sample["_meta"]["site"]}
    return {**{k: v for k, v in sample.items() if k != "_meta"}, "body": body,
            "url": sample["url"].split("?")[0] + "?print=all", "_meta": meta}


# --- the feed --------------------------------------------------------------------------------

def generate_feed(seed: int = 7, n_pages: int = 320, seeds_dir: Path | None = None,
                  huge: bool = False, start_ms: int | None = None,
                  pages_per_day: float | None = None) -> list[dict[str, Any]]:
    """All feed records in message order: seed pages first, then the crawl in arrival order.
    `start_ms`: when the crawl starts (default `default_start_ms()` for its span).
    `pages_per_day`: spread the crawl so that this many pages are published a day (`crawl_span_ms`);
    None keeps every feed to the default span."""
    span_ms = crawl_span_ms(n_pages, pages_per_day)
    start_ms = default_start_ms(span_ms=span_ms) if start_ms is None else start_ms
    rng = Random(seed)
    _, pages = _plan(rng, n_pages, start_ms, span_ms)
    _views(rng, pages, RELATED_WINDOW_MS if span_ms == CRAWL_SPAN_MS else SPREAD_RELATED_WINDOW_MS)
    records = [_page_record(rng, p) for p in pages]
    records += _aggregator_records(rng, pages)
    site = SITE_BY_KEY["rheinpost"]
    empty = PageView(site, "de", "storm", "", [], "", _dt(start_ms + 30 * HOUR), None, 999_001)
    empty.url = f"https://{site.domain}/video/{empty.uid}"
    records.append({"url": empty.url, "source": site.key, "fetched_at": start_ms + 31 * HOUR,
                    "published_at": None, "content_type": "text/html", "charset": "utf-8",
                    "headers": _headers(site, start_ms + 31 * HOUR, "utf-8", rng),
                    "body": render_empty(empty),
                    "_meta": {"site": site.domain, "language": None, "chrome_language": "de",
                              "story": None, "event": None, "kind": "empty",
                              "expected_title": None, "expected_body": "",
                              "why": "video page without any article text: a valid page that "
                                     "becomes an empty article, not a dead letter"}})
    keyed = []
    for i, rec in enumerate(records):
        late = rng.randint(5, 45) * MINUTE if rng.random() < 0.08 else 0
        keyed.append((rec["fetched_at"] + late, i, rec))
    ordered = [rec for _, _, rec in sorted(keyed, key=lambda k: (k[0], k[1]))]
    for bad in _malformed(rng, next(r for r in records if r["_meta"]["kind"] == "original")):
        at = rng.randint(1, len(ordered))
        # Sent when its neighbours were: a bad message stamped with the producer's clock instead
        # would move the partition's watermark days ahead of the crawl around it.
        bad["timestamp_ms"] = next(r["fetched_at"] for r in reversed(ordered[:at]) if "fetched_at" in r)
        ordered.insert(at, bad)
    if huge:
        ordered.append(_oversize(records[0]))
    return _seed_records(seeds_dir, start_ms) + ordered


def dumps(record: dict[str, Any]) -> str:
    """One JSONL line (UTF-8 text, compact, key order as built)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_feed(path: str | Path, seed: int = 7, n_pages: int = 320,
               seeds_dir: Path | None = None, huge: bool = False, start_ms: int | None = None,
               pages_per_day: float | None = None) -> list[dict[str, Any]]:
    """Generate the feed and write it as JSONL; returns the records."""
    records = generate_feed(seed, n_pages, seeds_dir, huge, start_ms, pages_per_day)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.writelines(dumps(r) for r in records)
    return records


def summarize(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts by kind, language, site and content type (what ``main`` prints)."""
    kinds = Counter(r["_meta"]["kind"] for r in records)
    html = [r for r in records if r.get("content_type") == "text/html"
            and r["_meta"]["kind"] in ("original", "followup", "syndicated")]
    return {
        "lines": len(records), "kinds": dict(sorted(kinds.items())),
        "html_pages": len(html),
        "text_plain_pages": sum(r.get("content_type") == "text/plain" for r in records),
        "stories": len({r["_meta"]["story"] for r in html}),
        "events": len({r["_meta"]["event"] for r in html}),
        "languages": dict(Counter(r["_meta"]["language"] for r in html).most_common()),
        "sites": dict(Counter(r["_meta"]["site"] for r in html).most_common()),
        "malformed": sorted(r["_meta"]["malformed_kind"] for r in records
                            if r["_meta"]["kind"] == "malformed"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: write the feed and print what it holds."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.quality.samplefeed.generate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="JSONL file to write")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pages", type=int, default=320, help="generated HTML pages")
    parser.add_argument("--seeds-dir", type=Path, default=None,
                        help=f"user seed pages (default {DEFAULT_SEEDS_DIR})")
    parser.add_argument("--huge", action="store_true", help="add an 11 MiB page (size limit)")
    parser.add_argument("--start", default=None,
                        help="crawl start as an ISO date (default: midnight UTC five days ago, earlier "
                             "for a longer crawl)")
    parser.add_argument("--pages-per-day", type=float, default=None,
                        help="spread the crawl over as many days as the pages take at this rate "
                             "(default: every feed over the same 64 hours)")
    args = parser.parse_args(argv)
    start_ms = int(datetime.fromisoformat(args.start).replace(tzinfo=UTC).timestamp() * 1000) if args.start else None
    records = write_feed(args.out, args.seed, args.pages, args.seeds_dir, args.huge, start_ms, args.pages_per_day)
    stats = summarize(records)
    print(f"wrote {stats['lines']} messages to {args.out} ({args.out.stat().st_size:,} bytes)")
    for key in ("kinds", "languages", "sites"):
        print(f"{key}: " + ", ".join(f"{k}={v}" for k, v in stats[key].items()))
    print(f"html pages: {stats['html_pages']} ({stats['stories']} stories, {stats['events']} "
          f"events), text/plain: {stats['text_plain_pages']}")
    print(f"malformed ({len(stats['malformed'])}): {', '.join(stats['malformed'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
