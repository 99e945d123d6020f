"""Deterministic labeled data for `newsbeam eval dedup` (DESIGN §8 dedup format).

    python tests/data/dedup/generate.py --seed 7 --events 400 > labeled.jsonl

Each event yields an original article in one of five languages (en, de, fr, es, id), built from
sentence specs so that copies can re-render the same sentences with edits: syndicated copies
(tense changes, synonym swaps, curly vs straight quotes, added boilerplate lines, a paragraph
dropped or added, an "UPDATE" prefix, excerpts cut after a few paragraphs), truncated teasers
(headline + start of the lead), follow-up stories on the same event (same people and places,
new text, often one reused background paragraph: a separate cluster with `related_to` set), and
events with no copies at all (unrelated traffic). Extra fields beyond the eval format: `lang`,
`role` (original|copy|teaser|followup|unrelated), `related_to`."""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lexicon import DETAILS, LANGS, ORGS, PARTIES, PERSONS_FIRST, PERSONS_LAST, PLACES, SYLLABLES  # noqa: E402

BASE_MS = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp() * 1000)
HOUR = 3600 * 1000
SITES = ["dailyherald.example", "wirefeed.example", "metropost.example", "newsnow.example", "courier.example",
         "aggregator.example", "lokalblatt.example", "infos-du-jour.example", "diario-norte.example",
         "kabar-kini.example", "globalwire.example", "morningsun.example"]
# Lexeme categories a slot draws from; the second form is the synonym a copy may swap in.
CATEGORIES = {"S": "subj", "SAY": "say", "ACT": "act", "STATE": "state", "STATE2": "state", "NP": "noun",
              "NP2": "noun", "NP_C": "noun", "ADV": "adv", "ADV_C": "adv", "UNIT": "unit"}


@dataclass
class Event:
    lang: str
    kind: str
    slots: dict[str, str]
    t0: int


@dataclass
class Sentence:
    template: int
    fills: dict[str, tuple[str, int]]   # slot → (category or 'lit', lexeme index) / literal
    detail: str = ""                    # made-up place detail inserted before the final stop


@dataclass
class Article:
    event: Event
    title_variant: int
    followup: bool
    paragraphs: list[list[Sentence]]
    literals: dict[str, str] = field(default_factory=dict)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(PERSONS_FIRST)} {rng.choice(PERSONS_LAST)}"


def new_event(rng: random.Random, t0: int) -> Event:
    lang = rng.choice(sorted(LANGS))
    lex = LANGS[lang]
    kind = rng.choice(sorted(lex["events"]))
    slots = {"PLACE": rng.choice(PLACES), "P": _person(rng), "P2": _person(rng), "P3": _person(rng),
             "ORG": rng.choice(ORGS), "PARTY": rng.choice(PARTIES), "NUM": str(rng.randrange(120, 9000)),
             "NUM2": str(rng.randrange(12, 400)), "MAG": f"{rng.uniform(4.5, 7.8):.1f}",
             "PCT": str(rng.randrange(5, 48)),
             "DAY": rng.choice(lex["days"]), "NOUN_T": rng.choice(lex["topics"])}
    return Event(lang, kind, slots, t0)


def _sentence(rng: random.Random, lang: str) -> Sentence:
    lex = LANGS[lang]
    template = rng.randrange(len(lex["sentences"]))
    fills: dict[str, tuple[str, int]] = {}
    for slot, cat in CATEGORIES.items():
        fills[slot] = (cat, rng.randrange(len(lex[cat])))
    fills["ROLE"] = ("role", rng.randrange(len(lex["role"])))
    fills["ADJ"] = ("adj", rng.randrange(len(lex["adj"])))
    fills["NUMLIT"] = ("lit", rng.randrange(20, 5000))
    fills["PSLOT"] = ("lit", rng.randrange(3))
    details = []
    for _ in range(rng.choice([1, 1, 2, 2, 3])):
        name = "".join(rng.choice(SYLLABLES[lang]) for _ in range(rng.randint(2, 4)))
        details.append(rng.choice(DETAILS[lang]).format(X=name.capitalize(), P=_person(rng), N=rng.randrange(2, 990)))
    return Sentence(template, fills, " ".join(details))


def new_article(rng: random.Random, event: Event, followup: bool) -> Article:
    n_par = rng.randint(4, 7)
    paragraphs = [[_sentence(rng, event.lang) for _ in range(rng.randint(2, 4))] for _ in range(n_par)]
    return Article(event, rng.randrange(2), followup, paragraphs)


@dataclass
class Render:
    """How one copy renders the shared specs."""

    tense: int = 0
    tense_flip_rate: float = 0.0   # share of sentences an editor re-tensed
    synonym_rate: float = 0.0
    ascii_quotes: bool = False
    rng: random.Random = field(default_factory=lambda: random.Random(0))


def _form(lex: dict, cat: str, idx: int, r: Render) -> str:
    entry = lex[cat][idx]
    if isinstance(entry, str):
        return entry
    if cat in ("say", "act", "state"):
        return entry[r.tense]
    return entry[1] if r.synonym_rate and r.rng.random() < r.synonym_rate else entry[0]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def render_sentence(s: Sentence, ev: Event, r: Render) -> str:
    lex = LANGS[ev.lang]
    values: dict[str, str] = {}
    if r.tense_flip_rate and r.rng.random() < r.tense_flip_rate:
        r = Render(1 - r.tense, 0.0, r.synonym_rate, r.ascii_quotes, r.rng)
    for slot, (cat, idx) in s.fills.items():
        if cat in ("lit", "role", "adj"):
            continue
        values[slot] = _form(lex, cat, idx, r)
    if ev.lang == "en" and values["NP"].startswith("the ") and s.fills["ADJ"][1] % 3 == 0:
        values["NP"] = "the " + lex["adj"][s.fills["ADJ"][1]] + values["NP"][3:]
    values["NP_C"] = _cap(values["NP_C"])
    values["ADV_C"] = _cap(values["ADV_C"])
    values["ROLE"] = lex["role"][s.fills["ROLE"][1]]
    values["P"] = ev.slots[("P", "P2", "P3")[s.fills["PSLOT"][1]]]
    values["ORG"] = ev.slots["ORG"]
    values["PLACE"] = ev.slots["PLACE"]
    values["NUM"] = str(s.fills["NUMLIT"][1])
    text = lex["sentences"][s.template].format(**values)
    if s.detail:
        text = text[:-1] + " " + s.detail + "."
    text = _cap(text)
    open_q, close_q = lex["quotes"]
    if r.ascii_quotes:
        open_q = close_q = '"'
    if text.count('"') == 2:
        first = text.index('"')
        second = text.index('"', first + 1)
        text = text[:first] + open_q + text[first + 1:second] + close_q + text[second + 1:]
    return text


def render_title(a: Article, variant: int | None = None) -> str:
    ev = a.event
    spec = LANGS[ev.lang]["events"][ev.kind]
    titles = spec["fu_title"] if a.followup else spec["title"]
    return titles[a.title_variant if variant is None else variant].format(**ev.slots)


def render_lead(a: Article) -> str:
    ev = a.event
    spec = LANGS[ev.lang]["events"][ev.kind]
    return (spec["fu_lead"] if a.followup else spec["lead"]).format(**ev.slots)


def render_body(a: Article, r: Render, paragraphs: list[list[Sentence]] | None = None) -> list[str]:
    return [render_lead(a)] + [" ".join(render_sentence(s, a.event, r) for s in p)
                               for p in (a.paragraphs if paragraphs is None else paragraphs)]


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _boiler(rng: random.Random, lang: str, site: str, ev: Event) -> str:
    line = rng.choice(LANGS[lang]["boilerplate"])
    return line.format(YEAR=2024, SITE=site, P=_person(rng), P2=_person(rng))


def generate(seed: int = 7, events: int = 400, days: int = 10) -> Iterator[dict]:
    """Labeled documents in arrival-independent order (sorted by id)."""
    rng = random.Random(seed)
    docs: list[dict] = []
    counter = 0

    def emit(article: Article, cluster: str, role: str, t: int, title: str, text: str, site: str,
             related_to: str | None) -> None:
        nonlocal counter
        counter += 1
        doc_id = f"d{seed}-{counter:06d}"
        docs.append({"id": doc_id, "url": f"https://{site}/{article.event.lang}/{doc_id}", "published_at": _iso(t),
                     "title": title, "text": text, "cluster": cluster, "lang": article.event.lang, "role": role,
                     "related_to": related_to})

    def story(article: Article, cluster: str, related_to: str | None, n_copies: int, n_teasers: int) -> None:
        ev = article.event
        t0 = ev.t0
        tense = rng.randrange(2)
        base = Render(tense=tense, rng=random.Random(rng.random()))
        site = rng.choice(SITES)
        role = "followup" if article.followup else ("original" if n_copies + n_teasers else "unrelated")
        text = "\n\n".join(render_body(article, base))
        emit(article, cluster, role, t0, render_title(article), text, site, related_to)
        for _ in range(n_copies):
            r = Render(tense=tense, tense_flip_rate=rng.choice([0.0, 0.0, 0.2, 0.4]),
                       synonym_rate=rng.choice([0.0, 0.05, 0.1, 0.2]), ascii_quotes=rng.random() < 0.5,
                       rng=random.Random(rng.random()))
            paragraphs = list(article.paragraphs)
            if len(paragraphs) > 3 and rng.random() < 0.3:
                paragraphs.pop(rng.randrange(1, len(paragraphs)))             # paragraph dropped
            if rng.random() < 0.3:
                extra = [_sentence(rng, ev.lang) for _ in range(rng.randint(1, 3))]
                paragraphs.insert(rng.randrange(1, len(paragraphs) + 1), extra)  # paragraph added
            body = render_body(article, r, paragraphs)
            if rng.random() < 0.2:
                body = body[: rng.randint(3, 4)]                               # excerpt
            copy_site = rng.choice(SITES)
            for _ in range(rng.choice([0, 1, 1, 2, 3])):                       # boilerplate lines
                line = _boiler(rng, ev.lang, copy_site, ev)
                if rng.random() < 0.5:
                    body.append(line)
                else:
                    body.insert(0, line)
            title = render_title(article)
            if rng.random() < 0.2:
                title = rng.choice(LANGS[ev.lang]["update_prefix"]) + title
            elif rng.random() < 0.15:
                title = render_title(article, 1 - article.title_variant)         # rewritten headline
            text = "\n\n".join(body)
            if r.ascii_quotes:
                text = text.replace("\u2019", "'")
            emit(article, cluster, "copy", t0 + rng.randint(-HOUR, 36 * HOUR), title, text, copy_site, related_to)
        for _ in range(n_teasers):
            full = render_lead(article) + " " + " ".join(render_sentence(s, ev, base) for s in article.paragraphs[0])
            cut = rng.randint(110, 320)
            snippet = full[:cut].rsplit(" ", 1)[0] + rng.choice(["…", "...", " »", ""])
            title = render_title(article)
            if rng.random() < 0.3:
                title = title.upper() if rng.random() < 0.3 else title.replace("'", "\u2019")
            emit(article, cluster, "teaser", t0 + rng.randint(0, 24 * HOUR), title, snippet, "aggregator.example",
                 related_to)

    for e in range(events):
        t0 = BASE_MS + rng.randrange(days * 24 * HOUR)
        ev = new_event(rng, t0)
        original = new_article(rng, ev, followup=False)
        cluster = f"c{seed}-{e:05d}"
        if rng.random() < 0.3:
            story(original, cluster, None, 0, 0)                               # unrelated traffic
            continue
        story(original, cluster, None, rng.choice([0, 1, 1, 2, 2, 3, 4, 5]), rng.choice([0, 0, 1, 1, 2]))
        if rng.random() < 0.4:                                                # follow-up on the same event
            fu_event = Event(ev.lang, ev.kind, dict(ev.slots), t0 + rng.randint(4 * HOUR, 40 * HOUR))
            follow = new_article(rng, fu_event, followup=True)
            if rng.random() < 0.7:                                            # reused background paragraph
                follow.paragraphs.insert(rng.randrange(1, len(follow.paragraphs)),
                                         rng.choice(original.paragraphs[1:]))
            story(follow, f"{cluster}-fu", cluster, rng.choice([0, 0, 1, 2]), rng.choice([0, 0, 1]))
    return iter(sorted(docs, key=lambda d: d["id"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--days", type=int, default=10)
    args = parser.parse_args(argv)
    for doc in generate(args.seed, args.events, args.days):
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
