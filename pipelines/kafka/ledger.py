"""The ledger read back from the topics, by key (DESIGN §5, §8b): every raw record became one article
or one dead letter of an input stage (decode, extract, write), and every article that was on time
is a member of exactly one final story; a late one leaves as one `dedup` dead letter instead.

Why by key: input is at-least-once, so a replay or a retried bundle writes some records twice
under the same key. Counting messages would call that a broken ledger; counting keys does not,
and the extra messages are reported apart as redelivered.

How a raw record is matched to its article: the writer stamps every article with the coordinates
of the raw record it was made of (header `newsbeam.source`, the same `topic/partition/offset`
string that keys a dead letter of that record). Two raw records of the same page (same URL and
content) make one article key with two sources, so they are both accounted for."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.config import Topics
from pipelines.core import codecs
from pipelines.core.dead_letters import INPUT_STAGES, SOURCE_HEADER
from pipelines.core.dedup.stories import FINAL
from pipelines.kafka.topics import read_all

DEDUP_STAGE = "dedup"
SHOWN = 5  # example keys named in describe() per kind of fault


@dataclass(frozen=True)
class Ledger:
    raw: int  # raw records (distinct offsets)
    articles: int  # distinct article keys
    dead_input: int  # distinct dead-letter keys of input stages (instead of an article)
    dead_dedup: int  # distinct `dedup` letters: articles too late to join a story
    redelivered: int = 0  # article and dead-letter messages beyond the first of their key
    unaccounted: tuple[str, ...] = ()  # raw records with neither an article nor an input letter
    twice_accounted: tuple[str, ...] = ()  # raw records with both, or with two different articles
    storyless: tuple[str, ...] = ()  # on-time articles (page_id) in no final story
    in_several_stories: tuple[str, ...] = ()  # articles that are members of more than one final story
    stories_checked: bool = True
    by_source: bool = True  # False when articles carry no source header (written before it existed)
    refused_outputs: int = 0  # `write` letters of story or link versions the broker refused

    @property
    def inputs_hold(self) -> bool:
        """The first half: every raw record is one article or one input dead letter."""
        if not self.by_source:
            return self.raw == self.articles + self.dead_input
        return not self.unaccounted and not self.twice_accounted

    @property
    def stories_hold(self) -> bool:
        """The second half: every on-time article is a member of exactly one final story."""
        return not self.stories_checked or (not self.storyless and not self.in_several_stories)

    @property
    def holds(self) -> bool:
        return self.inputs_hold and self.stories_hold

    def describe(self) -> str:
        verdict = "holds" if self.holds else "BROKEN"
        text = (f"raw {self.raw} = article keys {self.articles} + dead-letter keys {self.dead_input}: {verdict}"
                f" ({self.dead_dedup} articles too late for dedup, {self.redelivered} repeated messages: "
                f"redelivered, or the same page again")
        if self.stories_checked:
            text += ", every on-time article in exactly one final story" if self.stories_hold else ""
        if self.refused_outputs:
            text += f", {self.refused_outputs} story or link versions refused by the broker (write letters)"
        text += ")"
        for label, keys in (("unaccounted raw records", self.unaccounted),
                            ("raw records accounted twice", self.twice_accounted),
                            ("on-time articles in no final story", self.storyless),
                            ("articles in several final stories", self.in_several_stories)):
            if keys:
                text += f"; {len(keys)} {label}: {', '.join(keys[:SHOWN])}" + (" …" if len(keys) > SHOWN else "")
        return text


def dead_letter_stage(record: Any) -> str:
    return dict(record.headers or ()).get("__connect.errors.stage", b"").decode() or "unknown"


def _source_of(record: Any) -> str | None:
    value = dict(record.headers or ()).get(SOURCE_HEADER)
    return value.decode() if value else None


def _is_raw_coordinate(key: str, raw_topic: str) -> bool:
    """`<raw topic>/<partition>/<offset>`: a dead letter of one raw record (topic names hold no "/")."""
    if not key.startswith(raw_topic + "/"):
        return False
    parts = key[len(raw_topic) + 1:].split("/")
    return len(parts) == 2 and all(part.isdigit() for part in parts)


def final_stories(bootstrap: str, topic: str, client_config: Mapping[str, Any] | None = None) -> dict[str, dict]:
    """The newest final upsert of every story, keyed by story_id: what the deterministic rule decided
    (provisional and withdrawn records, from the streaming job's early firing, are left out; a
    story's last record is final once every document that joined it is decided)."""
    latest: dict[str, dict] = {}
    for record in read_all(bootstrap, topic, client_config=client_config):
        story = codecs.decode("Story", record.value)
        if story.get("status", FINAL) != FINAL:
            continue
        old = latest.get(story["story_id"])
        if old is None or (story["version"], story["merged_into"] or "") >= (old["version"], old["merged_into"] or ""):
            latest[story["story_id"]] = story
    return latest


def _redelivered(keys: Iterable[Any]) -> int:
    counts = Counter(keys)
    return sum(n - 1 for n in counts.values())


def read_ledger(bootstrap: str, topics: Topics, *, check_stories: bool = True,
                client_config: Mapping[str, Any] | None = None) -> Ledger:
    """The ledger of everything on `topics` now. `check_stories` False for runs without dedup, or
    while a streaming job has not yet decided its latest articles."""
    raw = [f"{r.topic}/{r.partition}/{r.offset}" for r in read_all(bootstrap, topics.raw, client_config=client_config)]
    article_records = read_all(bootstrap, topics.articles, client_config=client_config)
    letters = read_all(bootstrap, topics.dlq, client_config=client_config)

    input_letters = [r for r in letters if dead_letter_stage(r) in INPUT_STAGES]
    dedup_letters = [r for r in letters if dead_letter_stage(r) == DEDUP_STAGE]
    article_keys = {r.key for r in article_records}
    # Input letters stand for raw records; a `write` letter of a story or link version (keyed
    # `<sink topic>/key/<own key>`) stands for no raw record and is counted apart.
    letter_keys = {r.key.decode() for r in input_letters if _is_raw_coordinate(r.key.decode(), topics.raw)}
    refused_outputs = len({r.key for r in input_letters} - {k.encode() for k in letter_keys})
    redelivered = _redelivered(r.key for r in article_records) + _redelivered(r.key for r in letters)

    sources = [_source_of(r) for r in article_records]
    by_source = all(sources)
    unaccounted: list[str] = []
    twice: list[str] = []
    if by_source:
        articles_of: dict[str, set[bytes]] = {}
        for record, source in zip(article_records, sources, strict=True):
            articles_of.setdefault(source, set()).add(record.key)
        for coordinates in raw:
            outcomes = len(articles_of.get(coordinates, ())) + (coordinates in letter_keys)
            if outcomes == 0:
                unaccounted.append(coordinates)
            elif outcomes > 1:
                twice.append(coordinates)

    storyless: list[str] = []
    several: list[str] = []
    if check_stories:
        late_sources = {r.key.decode() for r in dedup_letters}
        on_time = {codecs.decode("Article", r.value)["page_id"] for r, source in
                   zip(article_records, sources, strict=True) if source not in late_sources}
        memberships = Counter(m["page_id"] for s in final_stories(bootstrap, topics.stories, client_config).values()
                              for m in s["members"])
        storyless = sorted(page for page in on_time if page not in memberships)
        several = sorted(page for page, n in memberships.items() if n > 1)

    return Ledger(
        raw=len(raw), articles=len(article_keys), dead_input=len(letter_keys),
        dead_dedup=len({r.key for r in dedup_letters}),
        redelivered=redelivered, unaccounted=tuple(unaccounted), twice_accounted=tuple(twice),
        storyless=tuple(storyless), in_several_stories=tuple(several), stories_checked=check_stories,
        by_source=by_source, refused_outputs=refused_outputs,
    )
