"""From judged pairs to stories and links: Assign, Stories, ResolveLinks and FirstLinkOnly."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam import coders, pvalue
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer

from pipelines.beam.steps.dedup.records import (
    Deadline,
    Edge,
    FounderJoined,
    Item,
    LinkMessage,
    Member,
    NewDocument,
    OwnStory,
    Pair,
    ResolveState,
    StoryState,
    decode_one,
    decoder,
)
from pipelines.beam.steps.dedup.state import ExpiringState, StateMeter, ValueCell, expire_at
from pipelines.config import NAMESPACE
from pipelines.core.dedup.signature import event_time_ms
from pipelines.core.dedup.stories import (
    canonical_key,
    document_url,
    link_key,
    seen_at,
    story_key,
    story_link,
    story_record,
)

LINKS = "links"


class AssignFn(beam.DoFn):
    """Keyed by page_id: collects edges from senior documents and, once the watermark has passed
    the document's time plus the allowed lateness, names its founder and story."""

    SELF = ReadModifyWriteStateSpec("self", coders.BytesCoder())  # NewDocument, as it came
    EDGES = BagStateSpec("edges", coders.BytesCoder())            # Edge, as it came
    DECIDE = TimerSpec("decide", TimeDomain.WATERMARK)
    GC = TimerSpec("gc", TimeDomain.WATERMARK)
    _TAKES = decoder(NewDocument, Edge)

    def __init__(self, delay_ms: int, keep_ms: int, expire: bool = True) -> None:
        self._delay_ms = delay_ms
        self._keep_ms = keep_ms
        self._expire = expire
        self._meter = StateMeter()
        self._exact = Metrics.counter(NAMESPACE, "dups_exact")
        self._near = Metrics.counter(NAMESPACE, "dups_near")

    def process(self, element, timestamp=beam.DoFn.TimestampParam, me=beam.DoFn.StateParam(SELF),
                edges=beam.DoFn.StateParam(EDGES), decide=beam.DoFn.TimerParam(DECIDE),
                gc=beam.DoFn.TimerParam(GC)):
        pid, data = element
        kind = data[0] if data else None
        if kind == NewDocument.FORMAT:  # kept as it came, decoded at the decision
            if me.read() is None:
                me.write(self._meter.transient(data, pid))
                decide.set(expire_at(timestamp, self._delay_ms))
        elif kind == Edge.FORMAT:
            edges.add(self._meter.transient(data))
            if self._expire and me.read() is None:  # not here yet, or decided: never keep edges for good
                gc.set(expire_at(timestamp, self._keep_ms))
        else:
            decode_one(self._TAKES, data, "Assign")  # raises: not a message Assign takes
        return ()

    @on_timer(GC)
    def on_gc(self, me=beam.DoFn.StateParam(SELF), edges=beam.DoFn.StateParam(EDGES)):
        if me.read() is None:
            edges.clear()

    @on_timer(DECIDE)
    def on_decide(self, me=beam.DoFn.StateParam(SELF), edges=beam.DoFn.StateParam(EDGES)):
        data = me.read()
        if data is None:
            return
        t, doc = NewDocument.decode(data)
        pid = doc.page_id
        founder, best = (t, pid), None
        related = []
        received = list(edges.read())
        for edge in sorted({Edge.decode(e) for e in received}):
            if edge.label == "duplicate" and (edge.senior_time_ms, edge.senior) < founder:
                founder, best = (edge.senior_time_ms, edge.senior), edge
            related.append(edge)
        me.clear()
        if received:
            edges.clear()
        story = story_key(founder[1])
        if best is not None:
            (self._exact if best.rule in ("exact", "url") else self._near).inc()
            yield pvalue.TaggedOutput(LINKS, story_link(
                story_key(pid), "duplicate_of", best.score, t, f"page_id={pid};founder={best.senior};rule={best.rule}",
                to_story=story, to_url=doc.canonical_url or doc.url or None))
            # The story this document would have founded now lives inside `story`.
            joined = FounderJoined(story, best.score, best.rule, best.senior, pid)
            yield pvalue.TaggedOutput("stories", (story_key(pid), joined.encode()))
        yield pvalue.TaggedOutput("stories", (story, Member(doc).encode()))
        yield pvalue.TaggedOutput("resolve", (pid, OwnStory(story, founder[0], founder[1]).encode()))
        for edge in related:
            pair = Pair(story, founder[0], founder[1], pid, t, edge.label, edge.score, edge.rule)
            yield pvalue.TaggedOutput("resolve", (edge.senior, pair.encode()))
        if doc.parent:
            yield pvalue.TaggedOutput("resolve", (doc.parent, Item(story, doc).encode()))


class StoriesFn(ExpiringState):
    """Keyed by story_id: the canonical member in full, every other member as the few fields a story
    record lists (so state stays small however long a story's body is); every change is an upsert."""

    CELL = ReadModifyWriteStateSpec("story", coders.BytesCoder())  # StoryState
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)
    _TAKES = decoder(Member, FounderJoined)

    def __init__(self, keep_ms: int, expire: bool = True) -> None:
        super().__init__(keep_ms, expire)
        self._created = Metrics.counter(NAMESPACE, "stories_created")
        self._updated = Metrics.counter(NAMESPACE, "stories_updated")
        self._merged = Metrics.counter(NAMESPACE, "stories_merged")

    def process(self, element, timestamp=beam.DoFn.TimestampParam, state=beam.DoFn.StateParam(CELL),
                expire=beam.DoFn.TimerParam(EXPIRE)):
        story_id, data = element
        message = decode_one(self._TAKES, data, "Stories")
        cell = ValueCell(state, self._meter, "story", story_id)
        current, best, joined, deadline = cell.load(StoryState.decode, StoryState([], None, None, None))
        deadline = self._deadline(timestamp, deadline, expire)
        if type(message) is FounderJoined:
            if joined is None:
                joined = message
                if current:
                    yield from self._merge_outputs(story_id, current, best, joined)
            cell.store(StoryState(current, best, joined, deadline))
            return
        doc = message.document.member()
        if any(m["page_id"] == doc["page_id"] for m in current):
            cell.store(StoryState(current, best, joined, deadline))
            return
        current.append(member_summary(doc))
        if best is None or canonical_key(doc) < canonical_key(best):
            best = doc
        cell.store(StoryState(current, best, joined, deadline))
        (self._created if len(current) == 1 else self._updated).inc()
        if joined is not None and len(current) == 1:
            yield from self._merge_outputs(story_id, current, best, joined)
            return
        yield story_record(story_id, current, joined.into if joined else None, best=best)

    def _merge_outputs(self, story_id: str, current: list[dict], best: dict,
                       joined: FounderJoined) -> Iterator[Any]:
        self._merged.inc()
        yield pvalue.TaggedOutput(LINKS, story_link(
            story_id, "merged_into", joined.score, min(m["event_time"] for m in current),
            f"founder={joined.founder};joined={joined.joined};rule={joined.rule}", to_story=joined.into))
        yield story_record(story_id, current, joined.into, best=best)

    @on_timer(EXPIRE)
    def on_expire(self, state=beam.DoFn.StateParam(CELL)):
        state.clear()


def member_summary(doc: dict) -> dict:
    """What a story record needs of a member that is not the canonical one."""
    return {"page_id": doc["page_id"], "url": str(doc.get("url") or document_url(doc)), "source": doc.get("source"),
            "fetched_at": seen_at(doc), "language": doc.get("language"), "event_time": event_time_ms(doc)}


class ResolveLinksFn(ExpiringState):
    """Keyed by page_id: once the page's own story is known, turns pairs judged against it and the
    stories of its related-news items into `related` and `similar_news` links.

    A `related` link from this page's pairs depends only on the other document's story (its
    direction on the two founders' ranks), so the key remembers which stories it has linked (8
    bytes each) and passes one link per story instead of one per pair for FirstLinkOnly to drop."""

    CELL = ReadModifyWriteStateSpec("resolve", coders.BytesCoder())  # ResolveState
    WAITING = BagStateSpec("waiting", coders.BytesCoder())           # Pair or Item, as it came
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)
    _TAKES = decoder(OwnStory, Pair, Item)
    _PARKED = decoder(Pair, Item)

    def process(self, element, timestamp=beam.DoFn.TimestampParam, state=beam.DoFn.StateParam(CELL),
                waiting=beam.DoFn.StateParam(WAITING), expire=beam.DoFn.TimerParam(EXPIRE)):
        pid, data = element
        message = decode_one(self._TAKES, data, "ResolveLinks")
        cell = ValueCell(state, self._meter, "held", pid)
        story, founder_time_ms, founder, linked, parked, deadline = cell.load(
            ResolveState.decode, ResolveState(None, 0, "", set(), False, None))
        deadline = self._deadline(timestamp, deadline, expire)
        if type(message) is OwnStory:
            if story is None:
                story, founder_time_ms, founder = message
                if parked:  # only read the bag when something was parked: a read is a round trip
                    mine = (story, (founder_time_ms, founder))
                    for pending in waiting.read():
                        yield from self._link(pid, mine, decode_one(self._PARKED, pending, "ResolveLinks"), linked)
                    waiting.clear()
                    parked = False
        elif story is None:
            waiting.add(self._meter.transient(data))
            parked = True
        else:
            yield from self._link(pid, (story, (founder_time_ms, founder)), message, linked)
        cell.store(ResolveState(story, founder_time_ms, founder, linked, parked, deadline))

    @staticmethod
    def _link(pid: str, mine: tuple[str, tuple[int, str]], message: Pair | Item,
              linked: set[bytes]) -> Iterator[dict]:
        my_story, my_rank = mine
        if type(message) is Item:
            if message.story != my_story:
                item = message.document
                yield story_link(my_story, "similar_news", 1.0, event_time_ms(item.as_dict()),
                                 f"page_id={pid};item={item.item_index}", to_story=message.story,
                                 to_url=item.canonical_url or None, to_title=item.title or None)
            return
        junior_story = message.story
        tag = bytes.fromhex(junior_story[:16])
        if junior_story == my_story or tag in linked:
            return
        linked.add(tag)
        junior_rank = (message.founder_time_ms, message.founder)
        src, dst = (junior_story, my_story) if junior_rank > my_rank else (my_story, junior_story)
        yield story_link(src, "related", message.score, message.junior_time_ms,
                         f"pair={pid}~{message.junior};rule={message.label}:{message.rule}", to_story=dst)

    @on_timer(EXPIRE)
    def on_expire(self, state=beam.DoFn.StateParam(CELL), waiting=beam.DoFn.StateParam(WAITING)):
        state.clear()
        waiting.clear()


def keyed_link(link: dict) -> tuple[str, bytes]:
    """A link keyed by what makes it one edge (FirstLinkOnly's key), encoded."""
    return "|".join(link_key(link)), LinkMessage.from_dict(link).encode()


class FirstLinkFn(ExpiringState):
    """Keyed by (from, type, to): passes the first link of each edge, drops repeats (many document
    pairs can relate the same two stories) for the horizon. Its one cell is the key's expiry
    deadline (µs; 0 without expiry): present means seen."""

    SEEN = ReadModifyWriteStateSpec("seen", coders.BytesCoder())  # Deadline
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def process(self, element, timestamp=beam.DoFn.TimestampParam, seen=beam.DoFn.StateParam(SEEN),
                expire=beam.DoFn.TimerParam(EXPIRE)):
        if seen.read() is not None:
            return ()
        key, data = element
        link = LinkMessage.decode(data).as_dict()
        seen.write(self._meter.held(Deadline(self._deadline(timestamp, None, expire) or 0).encode(), key))
        return [link]

    @on_timer(EXPIRE)
    def on_expire(self, seen=beam.DoFn.StateParam(SEEN)):
        seen.clear()

