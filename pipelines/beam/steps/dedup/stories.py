"""From judged pairs to stories and links: Assign, Stories, ResolveLinks and FirstLinkOnly.

A message in the WARM_UP envelope (records.py) changes a step's state as any other, and nothing it
triggers is written: Assign marks every message and link of a warm-up decision; Stories drops the
story records a marked message triggers and marks its merged_into link; ResolveLinks marks the
links of a marked Pair or Item; FirstLinkOnly takes a marked link's edge as seen without writing it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam import coders, pvalue
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration, Timestamp

from pipelines.beam.steps.dedup.records import (
    Deadline,
    Document,
    EarlyReport,
    Edge,
    FounderJoined,
    Item,
    LinkMessage,
    Member,
    NewDocument,
    OwnStory,
    Pair,
    PendingState,
    ProvisionalChoice,
    ProvisionalMember,
    Report,
    ResolveState,
    StoryState,
    Withdraw,
    decode_one,
    decoder,
    mark_warm_up,
    split_warm_up,
    warm_up_link,
)
from pipelines.beam.steps.dedup.state import ExpiringState, StateMeter, ValueCell, expire_at
from pipelines.config import NAMESPACE
from pipelines.core.dead_letters import REPLAYED_ARTICLE_KEY
from pipelines.core.dedup.signature import event_time_ms
from pipelines.core.dedup.stories import (
    PROVISIONAL,
    WITHDRAWN,
    canonical_key,
    document_url,
    item_link,
    link_key,
    seen_at,
    story_key,
    story_link,
    story_record,
    withdrawn_record,
)

LINKS = "links"
EARLY_LINKS = "early_links"  # provisional links and their withdrawals: they bypass FirstLinkOnly


class AssignFn(beam.DoFn):
    """Keyed by page_id: collects the Index partitions' reports and, once every partition has
    reported (each does when the watermark has passed the document's time plus the allowed
    lateness), names its founder and story (the final firing)."""

    SELF = ReadModifyWriteStateSpec("self", coders.BytesCoder())  # NewDocument, as it came (maybe WARM_UP)
    REPORTS = BagStateSpec("reports", coders.BytesCoder())        # Report, as it came
    GC = TimerSpec("gc", TimeDomain.WATERMARK)
    _TAKES = decoder(NewDocument, Report)

    def __init__(self, partitions: int, keep_ms: int, expire: bool = True) -> None:
        self._partitions = partitions
        self._keep_ms = keep_ms
        self._expire = expire
        self._meter = StateMeter()
        self._exact = Metrics.counter(NAMESPACE, "dups_exact")
        self._near = Metrics.counter(NAMESPACE, "dups_near")

    def process(self, element, timestamp=beam.DoFn.TimestampParam, me=beam.DoFn.StateParam(SELF),
                reports=beam.DoFn.StateParam(REPORTS), gc=beam.DoFn.TimerParam(GC)):
        _, outputs = self._take(element, timestamp, me, reports, gc, None, None)
        return outputs

    def _take(self, element, timestamp, me, reports, gc, edges, choice) -> tuple[bool, list[Any]]:
        """Keeps a message and decides once the document and every report are in. Returns whether
        the message is the document itself, arriving for the first time, and not a warm-up
        document (whose decision writes nothing, so it never fires early); and the outputs."""
        pid, data = element
        warm_up, message = split_warm_up(data)
        kind = message[0] if message else None
        first = False
        if kind == NewDocument.FORMAT:  # kept as it came, decoded at the decision
            if me.read() is not None:
                return False, []
            me.write(self._meter.transient(data, pid))
            first = not warm_up
        elif kind == Report.FORMAT and not warm_up:
            reports.add(self._meter.transient(data))
        elif kind in (Edge.FORMAT, EarlyReport.FORMAT) and edges is not None and not warm_up:
            edges.add(self._meter.transient(data))
            if self._expire and me.read() is None:  # came after the decision (or before the document)
                gc.set(expire_at(timestamp, self._keep_ms))
            return False, []
        else:
            decode_one(self._TAKES, data, "Assign")  # raises: not a message Assign takes
        if me.read() is None:
            if self._expire:  # not here yet, or decided: never keep reports for good
                gc.set(expire_at(timestamp, self._keep_ms))
            return first, []
        received = list(reports.read())
        if len({report[1:3] for report in received}) < self._partitions:  # Report: partition at bytes 1–2
            return first, []
        return first, list(self._decide(me, reports, received, edges, choice))

    @on_timer(GC)
    def on_gc(self, me=beam.DoFn.StateParam(SELF), reports=beam.DoFn.StateParam(REPORTS)):
        if me.read() is None:
            reports.clear()

    def _decide(self, me, reports, received, edges, choice) -> Iterator[Any]:
        warm_up, data = split_warm_up(me.read())
        me.clear()
        reports.clear()
        if edges is not None:
            edges.clear()
        judged = [edge for report in received for edge in Report.decode(report).edges]
        for output in self._fire(NewDocument.decode(data), judged, choice):
            yield _warm_up_output(output) if warm_up else output

    def _fire(self, document: NewDocument, judged: list[Edge], choice) -> Iterator[Any]:
        """The final decision on a document: its links and its messages to Stories and ResolveLinks."""
        t, doc = document
        pid = doc.page_id
        founder, best = _founder(t, pid, judged)
        related = sorted(set(judged))
        story = story_key(founder[1])
        if choice is not None:
            yield from self._withdraw_if_moved(choice, story, t, doc)
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

    def _withdraw_if_moved(self, choice, story: str, t: int, doc: Document) -> Iterator[Any]:
        return iter(())


class EarlyAssignFn(AssignFn):
    """AssignFn that also fires early (streaming): once every Index partition has answered with its
    EarlyReport (or `settle_ms` of processing time after the document reached this key, if one is
    slow), it names a provisional founder from the edges the partitions' early judging sent by
    then, and sends the document to that story as provisional; a more senior
    duplicate arriving later moves it (fires again); the final firing withdraws it from its
    provisional story when the final story differs. A separate class because a processing-time
    timer anywhere in a pipeline makes Beam's DirectRunner leave the FnApiRunner for its legacy
    runner."""

    EDGES = BagStateSpec("edges", coders.BytesCoder())  # EarlyReport or Edge of the early judging, as it came
    CHOICE = ReadModifyWriteStateSpec("provisional", coders.BytesCoder())  # ProvisionalChoice
    SETTLE = TimerSpec("settle", TimeDomain.REAL_TIME)
    GC = TimerSpec("gc", TimeDomain.WATERMARK)  # AssignFn's timer; a spec holds one callback
    _TAKES = decoder(NewDocument, Report, Edge, EarlyReport)

    def __init__(self, partitions: int, keep_ms: int, expire: bool, settle_ms: int) -> None:
        super().__init__(partitions, keep_ms, expire)
        self._settle_ms = settle_ms
        self._provisional = Metrics.counter(NAMESPACE, "stories_provisional")
        self._withdrawn = Metrics.counter(NAMESPACE, "provisional_withdrawn")
        self._moved = Metrics.counter(NAMESPACE, "provisional_moved")

    def process(self, element, timestamp=beam.DoFn.TimestampParam, me=beam.DoFn.StateParam(AssignFn.SELF),
                reports=beam.DoFn.StateParam(AssignFn.REPORTS), gc=beam.DoFn.TimerParam(GC),
                edges=beam.DoFn.StateParam(EDGES), settle=beam.DoFn.TimerParam(SETTLE),
                choice=beam.DoFn.StateParam(CHOICE)):
        first, outputs = self._take(element, timestamp, me, reports, gc, edges, choice)
        if outputs:
            yield from outputs
            return
        data = element[1]
        if first:
            settle.set(Timestamp.now() + Duration(micros=self._settle_ms * 1000))
            yield from self._fire_when_answered(me.read(), edges, choice)
            return
        if data[0] == EarlyReport.FORMAT:
            arrived = EarlyReport.decode(data).edges
        elif data[0] == Edge.FORMAT:
            arrived = (Edge.decode(data),)
        else:
            return
        early = choice.read()
        if early is None:  # not fired early yet (or decided): the firing will see these edges
            if data[0] == EarlyReport.FORMAT:
                fired = False
                for output in self._fire_when_answered(me.read(), edges, choice):
                    fired = True
                    yield output
                if fired:
                    settle.clear()  # every partition answered: its firing would be a bundle for nothing
            return
        chosen = ProvisionalChoice.decode(early)
        senior = min((e for e in arrived if e.label == "duplicate"), key=lambda e: (e.senior_time_ms, e.senior),
                     default=None)
        if senior is None or (senior.senior_time_ms, senior.senior) >= (chosen.founder_time_ms, chosen.founder):
            return
        # A more senior duplicate than the one the early firing knew: the document moves there.
        t, doc = NewDocument.decode(me.read())
        moved = ProvisionalChoice(story_key(senior.senior), senior.senior_time_ms, senior.senior, senior.score,
                                  senior.rule)
        choice.write(self._meter.transient(moved.encode(), doc.page_id))
        self._moved.inc()
        yield from self._withdraw(chosen, t, doc)
        yield pvalue.TaggedOutput("stories", (moved.story, ProvisionalMember(doc).encode()))
        yield pvalue.TaggedOutput(EARLY_LINKS, _provisional_link(doc.page_id, moved, t, doc, PROVISIONAL))

    def _fire_when_answered(self, data: bytes | None, edges, choice) -> Iterator[Any]:
        """Fires early once every Index partition has sent its EarlyReport on the document (and the
        document is here, undecided and not warm-up); else the settle timer will."""
        if data is None or data[0] != NewDocument.FORMAT:  # absent, decided, or warm-up
            return
        received = list(edges.read())
        if len({entry[1:3] for entry in received if entry[0] == EarlyReport.FORMAT}) < self._partitions:
            return
        yield from self._fire_early(data, received, choice)

    @on_timer(SETTLE)
    def on_settle(self, me=beam.DoFn.StateParam(AssignFn.SELF), edges=beam.DoFn.StateParam(EDGES),
                  choice=beam.DoFn.StateParam(CHOICE)):
        data = me.read()
        if data is None or choice.read() is not None:  # decided (the watermark came first), or fired
            return
        yield from self._fire_early(data, list(edges.read()), choice)

    def _fire_early(self, data: bytes, received: list[bytes], choice) -> Iterator[Any]:
        """The early firing: the document joins the story of the most senior duplicate among the
        edges received so far (its own story when there is none), as provisional."""
        t, doc = NewDocument.decode(data)
        pid = doc.page_id
        founder, best = _founder(t, pid, _early_edges(received))
        story = story_key(founder[1])
        chosen = ProvisionalChoice(story, founder[0], founder[1], best.score if best else 1.0,
                                   best.rule if best else "self")
        choice.write(self._meter.transient(chosen.encode(), pid))
        self._provisional.inc()
        yield pvalue.TaggedOutput("stories", (story, ProvisionalMember(doc).encode()))
        if best is not None:
            yield pvalue.TaggedOutput(EARLY_LINKS, _provisional_link(pid, chosen, t, doc, PROVISIONAL))

    @on_timer(GC)
    def on_gc(self, me=beam.DoFn.StateParam(AssignFn.SELF), reports=beam.DoFn.StateParam(AssignFn.REPORTS),
              edges=beam.DoFn.StateParam(EDGES)):
        if me.read() is None:
            reports.clear()
            edges.clear()

    def _withdraw_if_moved(self, choice, story: str, t: int, doc: Document) -> Iterator[Any]:
        early = choice.read()
        if early is None:
            return
        choice.clear()
        chosen = ProvisionalChoice.decode(early)
        if chosen.story != story:
            self._withdrawn.inc()
            yield from self._withdraw(chosen, t, doc)

    @staticmethod
    def _withdraw(chosen: ProvisionalChoice, t: int, doc: Document) -> Iterator[Any]:
        """Takes the document out of the story it joined early (and its provisional link back)."""
        yield pvalue.TaggedOutput("stories", (chosen.story, Withdraw(seen_at(doc.as_dict()), doc.page_id).encode()))
        if chosen.founder != doc.page_id:
            yield pvalue.TaggedOutput(EARLY_LINKS, _provisional_link(doc.page_id, chosen, t, doc, WITHDRAWN))


def _warm_up_output(output: pvalue.TaggedOutput) -> pvalue.TaggedOutput:
    """An output of a warm-up document's decision, marked: the step it reaches updates its state as
    usual and writes nothing it triggers. (Such a document has no early choice, so no early links.)"""
    if output.tag == LINKS:
        return pvalue.TaggedOutput(LINKS, warm_up_link(output.value))
    key, data = output.value
    return pvalue.TaggedOutput(output.tag, (key, mark_warm_up(data)))


def _early_edges(received: Iterable[bytes]) -> Iterator[Edge]:
    """The edges in the `edges` bag: EarlyReports and single Edges, as they came."""
    for entry in received:
        if entry[0] == EarlyReport.FORMAT:
            yield from EarlyReport.decode(entry).edges
        else:
            yield Edge.decode(entry)


def _founder(t: int, pid: str, received: Iterable[Edge]) -> tuple[tuple[int, str], Edge | None]:
    """The rule's founder from the edges received: the most senior document judged a duplicate,
    else the document itself; and the edge that named it (None for the document itself)."""
    founder, best = (t, pid), None
    for edge in sorted(set(received)):
        if edge.label == "duplicate" and (edge.senior_time_ms, edge.senior) < founder:
            founder, best = (edge.senior_time_ms, edge.senior), edge
    return founder, best


def _provisional_link(pid: str, chosen: ProvisionalChoice, t: int, doc: Document, status: str) -> dict:
    """The duplicate_of link of an early firing, or its withdrawal (same edge, status withdrawn)."""
    return story_link(story_key(pid), "duplicate_of", chosen.score, t,
                      f"page_id={pid};founder={chosen.founder};rule={chosen.rule}", to_story=chosen.story,
                      to_url=doc.canonical_url or doc.url or None, status=status)


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
        return self._take(element, timestamp, state, None, expire)

    def _take(self, element, timestamp, state, pending_state, expire) -> Iterator[Any]:
        story_id, data = element
        warm_up, data = split_warm_up(data)
        for output in self._update(story_id, data, timestamp, state, pending_state, expire):
            if not warm_up:
                yield output
            elif isinstance(output, pvalue.TaggedOutput):  # a merged_into link: its edge is seen all the same
                yield pvalue.TaggedOutput(LINKS, warm_up_link(output.value))

    def _update(self, story_id: str, data: bytes, timestamp, state, pending_state, expire) -> Iterator[Any]:
        message = decode_one(self._TAKES, data, "Stories")
        cell = ValueCell(state, self._meter, "story", story_id)
        current, best, joined, deadline = cell.load(StoryState.decode, StoryState([], None, None, None))
        deadline = self._deadline(timestamp, deadline, expire)
        early = ValueCell(pending_state, self._meter, "transient", story_id) if pending_state is not None else None
        pending = early.load(PendingState.decode, PendingState([], [])) if early else PendingState([], [])
        kind = type(message)
        if kind is FounderJoined:
            if joined is None:
                joined = message
                if current:
                    yield from self._merge_outputs(story_id, current, best, joined, pending)
        elif kind is ProvisionalMember:
            pid = message.document.page_id
            if not (pid in pending.withdrawn or any(m["page_id"] == pid for m in current)
                    or any(d.page_id == pid for d in pending.documents)):
                pending.documents.append(message.document)
                yield self._record(story_id, current, best, joined, pending)
        elif kind is Withdraw:
            waiting = [d for d in pending.documents if d.page_id != message.page_id]
            if len(waiting) == len(pending.documents):  # it came before its own provisional message
                pending.withdrawn.append(message.page_id)
            else:
                pending = PendingState(waiting, pending.withdrawn)
                yield (self._record(story_id, current, best, joined, pending) if current or waiting
                       else withdrawn_record(story_id, message.seen_at))
        else:
            doc = message.document.member()
            if pending.documents:
                pending = PendingState([d for d in pending.documents if d.page_id != doc["page_id"]],
                                       pending.withdrawn)
            if not any(m["page_id"] == doc["page_id"] for m in current):
                current.append(member_summary(doc))
                if best is None or canonical_key(doc) < canonical_key(best):
                    best = doc
                (self._created if len(current) == 1 else self._updated).inc()
                if joined is not None and len(current) == 1:
                    yield from self._merge_outputs(story_id, current, best, joined, pending)
                else:
                    yield self._record(story_id, current, best, joined, pending)
        cell.store(StoryState(current, best, joined, deadline))
        if early:
            early.store(pending)

    @staticmethod
    def _record(story_id: str, current: list[dict], best: dict | None, joined: FounderJoined | None,
                pending: PendingState) -> dict:
        into = joined.into if joined else None
        if not pending.documents:
            return story_record(story_id, current, into, best=best)
        waiting = [d.member() for d in pending.documents]
        record = story_record(story_id, current + [member_summary(d) for d in waiting], into,
                              best=min(([best] if best else []) + waiting, key=canonical_key))
        return {**record, "version": len(current), "status": PROVISIONAL}

    def _merge_outputs(self, story_id: str, current: list[dict], best: dict, joined: FounderJoined,
                       pending: PendingState) -> Iterator[Any]:
        self._merged.inc()
        yield pvalue.TaggedOutput(LINKS, story_link(
            story_id, "merged_into", joined.score, min(m["event_time"] for m in current),
            f"founder={joined.founder};joined={joined.joined};rule={joined.rule}", to_story=joined.into))
        yield self._record(story_id, current, best, joined, pending)

    @on_timer(EXPIRE)
    def on_expire(self, state=beam.DoFn.StateParam(CELL)):
        state.clear()


class EarlyStoriesFn(StoriesFn):
    """StoriesFn for a job that fires early (EarlyAssignFn). Documents that joined at arrival wait in
    a cell of their own until their final Member (or Withdraw) message; while any wait, the story's
    records list them too and are marked provisional, with the version of the decided members only.
    So a story's last record is final, and equal to the record without early firing, once every
    document that ever joined it is decided. A separate class so that jobs without early firing
    keep the step (and its savepoint layout) they had."""

    PENDING = ReadModifyWriteStateSpec("pending", coders.BytesCoder())  # PendingState
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)  # StoriesFn's timer; a spec holds one callback
    _TAKES = decoder(Member, FounderJoined, ProvisionalMember, Withdraw)

    def process(self, element, timestamp=beam.DoFn.TimestampParam, state=beam.DoFn.StateParam(StoriesFn.CELL),
                pending_state=beam.DoFn.StateParam(PENDING), expire=beam.DoFn.TimerParam(EXPIRE)):
        return self._take(element, timestamp, state, pending_state, expire)

    @on_timer(EXPIRE)
    def on_expire(self, state=beam.DoFn.StateParam(StoriesFn.CELL), pending_state=beam.DoFn.StateParam(PENDING)):
        state.clear()
        pending_state.clear()


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
    WAITING = BagStateSpec("waiting", coders.BytesCoder())           # Pair or Item, as it came (maybe WARM_UP)
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)
    _TAKES = decoder(OwnStory, Pair, Item)
    _PARKED = decoder(Pair, Item)

    def process(self, element, timestamp=beam.DoFn.TimestampParam, state=beam.DoFn.StateParam(CELL),
                waiting=beam.DoFn.StateParam(WAITING), expire=beam.DoFn.TimerParam(EXPIRE)):
        pid, data = element
        warm_up, message_data = split_warm_up(data)
        message = decode_one(self._TAKES, message_data, "ResolveLinks")
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
                        parked_warm_up, parked_data = split_warm_up(pending)
                        parked_message = decode_one(self._PARKED, parked_data, "ResolveLinks")
                        yield from _marked(self._link(pid, mine, parked_message, linked), parked_warm_up)
                    waiting.clear()
                    parked = False
        elif story is None:
            waiting.add(self._meter.transient(data))
            parked = True
        else:
            yield from _marked(self._link(pid, (story, (founder_time_ms, founder)), message, linked), warm_up)
        cell.store(ResolveState(story, founder_time_ms, founder, linked, parked, deadline))

    @staticmethod
    def _link(pid: str, mine: tuple[str, tuple[int, str]], message: Pair | Item,
              linked: set[bytes]) -> Iterator[dict]:
        my_story, my_rank = mine
        if type(message) is Item:
            link = item_link(my_story, pid, message.document.as_dict(), message.story)
            if link is not None:
                yield link
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


def _marked(links: Iterable[dict], warm_up: bool) -> Iterable[dict]:
    """The links a Pair or Item asked for, marked when it came from a warm-up decision: the link
    belongs to the document that sent it, whichever came first, it or the page's OwnStory."""
    return map(warm_up_link, links) if warm_up else links


def keyed_link(link: dict) -> tuple[str, bytes]:
    """A link keyed by what makes it one edge (FirstLinkOnly's key), encoded; one of a warm-up
    decision (REPLAYED_ARTICLE_KEY, see records.warm_up_link) in the WARM_UP envelope."""
    data = LinkMessage.from_dict(link).encode()
    return "|".join(link_key(link)), mark_warm_up(data) if link.get(REPLAYED_ARTICLE_KEY) else data


class FirstLinkFn(ExpiringState):
    """Keyed by (from, type, to): passes the first link of each edge, drops repeats (many document
    pairs can relate the same two stories) for the horizon. Its one cell is the key's expiry
    deadline (µs; 0 without expiry): present means seen. A warm-up link (records.WARM_UP) was
    written before the restart: its edge becomes seen, and it is not written again."""

    SEEN = ReadModifyWriteStateSpec("seen", coders.BytesCoder())  # Deadline
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def process(self, element, timestamp=beam.DoFn.TimestampParam, seen=beam.DoFn.StateParam(SEEN),
                expire=beam.DoFn.TimerParam(EXPIRE)):
        if seen.read() is not None:
            return ()
        key, data = element
        warm_up, data = split_warm_up(data)
        link = LinkMessage.decode(data).as_dict()
        seen.write(self._meter.held(Deadline(self._deadline(timestamp, None, expire) or 0).encode(), key))
        return [] if warm_up else [link]

    @on_timer(EXPIRE)
    def on_expire(self, seen=beam.DoFn.StateParam(SEEN)):
        seen.clear()

