"""Windowed near-duplicate dedup in Beam keyed state: the streaming twin of pipelines.dedup.stories.

The rule (stories.py) gives every document the most senior duplicate within the horizon as its
founder, one hop only, so the work is a DAG of keyed steps with no feedback:

  DedupDocs → Fingerprint ─┬→ Buckets (key: band) ──probe──→ Verify (key: resident page_id)
                           ├→ Verify (own fingerprint)          │ duplicate/related edge
                           └→ Assign (key: page_id) ←───────────┘
  Assign ─member→ Stories (key: story_id) → Story upserts
  Assign ─story──→ ResolveLinks (key: page_id) → related / similar_news links
  Assign → duplicate_of links;  Stories → merged_into links

Buckets keep only (event time, page_id) per band; a probe carries the arriving document's
fingerprint to the key of the resident one, which keeps its own fingerprint once (≈0.5 KB), so
no step holds a fingerprint per band. Assign decides a document when the watermark passes its
timestamp plus `decision_delay`: by then every senior document (event time ≤ its own) that
arrived within that lateness has been bucketed and verified, so the founder — and hence the story
id — is the same whatever the arrival order or the split over workers. All state expires on
event-time timers `horizon + decision_delay` after the last element that needed it (Flink's state
TTL is processing-time only, so it is not used). Story versions equal member counts, so the final
record of a story does not depend on how many intermediate upserts were emitted.
"""

from __future__ import annotations

from typing import Any

import apache_beam as beam
from apache_beam import coders, pvalue
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.typehints import KV
from apache_beam.utils.timestamp import Duration, Timestamp

from pipelines import beam_tuning  # noqa: F401  (cheap state-cache weights, see module)
from pipelines.dedup.decide import explain
from pipelines.dedup.signature import Fingerprint, event_time_ms, fingerprint
from pipelines.dedup.stories import HORIZON_MS, _link, _story_record, related_item_doc, seniority, story_key
from pipelines.kafka_io import NAMESPACE

LINKS = "links"
MEMBER_FIELDS = ("page_id", "url", "canonical_url", "source", "title", "lead", "body", "language",
                 "language_confidence", "published_at", "fetched_at")
_ANY = coders.PickleCoder()


def dedup_docs(article: dict) -> list[dict]:
    """An article and its related-news items as dedup documents; items are short documents at the
    page's event time, tagged with the page they came from (for `similar_news` links)."""
    doc = {k: article.get(k) for k in MEMBER_FIELDS}
    docs = [doc]
    for index, item in enumerate(article.get("related") or []):
        item_doc = related_item_doc(article, index, item)
        item_doc.update(url=item.get("url") or "", source=article.get("source") or "",
                        fetched_at=article["fetched_at"], language=item.get("language") or "und",
                        language_confidence=0.0, parent=article["page_id"], item_index=index)
        docs.append(item_doc)
    return docs


def _expire_at(timestamp: Timestamp, after_ms: int) -> Timestamp:
    return timestamp + Duration(micros=after_ms * 1000)


class _ExpiringState(beam.DoFn):
    """Shared expiry bookkeeping: one event-time timer per key, pushed to the latest deadline."""

    DEADLINE = ReadModifyWriteStateSpec("deadline", coders.VarIntCoder())

    def __init__(self, keep_ms: int) -> None:
        self._keep_ms = keep_ms

    def _extend(self, timestamp: Timestamp, deadline_state, timer) -> None:
        target = _expire_at(timestamp, self._keep_ms)
        current = deadline_state.read()
        if current is None or target.micros > current:
            deadline_state.write(target.micros)
            timer.set(target)


class _FingerprintFn(beam.DoFn):
    def process(self, doc: dict, timestamp=beam.DoFn.TimestampParam):
        fp = fingerprint(doc)
        data = fp.to_bytes()
        entry = (fp.event_time_ms, fp.page_id, timestamp.micros // 1000)
        for key in fp.band_keys:
            yield pvalue.TaggedOutput("bands", (key, (entry, data)))
        yield pvalue.TaggedOutput("own", (fp.page_id, ("own", data)))
        yield (fp.page_id, ("self", doc, fp.event_time_ms))


class _BucketsFn(_ExpiringState):
    """Keyed by band: residents (event time, page_id, arrival ms); a newcomer probes each resident
    within the horizon by sending its fingerprint to the resident's Verify key."""

    ENTRIES = BagStateSpec("entries", _ANY)
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, horizon_ms: int, delay_ms: int) -> None:
        super().__init__(horizon_ms + delay_ms)
        self._horizon_ms = horizon_ms

    def process(self, element, timestamp=beam.DoFn.TimestampParam, entries=beam.DoFn.StateParam(ENTRIES),
                deadline=beam.DoFn.StateParam(_ExpiringState.DEADLINE), expire=beam.DoFn.TimerParam(EXPIRE)):
        _band, (entry, data) = element
        t, page_id, _arrival = entry
        residents = {(other, t_other) for t_other, other, _ in entries.read()}
        if any(other == page_id for other, _ in residents):
            return ()  # the same document again (a replay): already filed and probed
        entries.add(entry)
        self._extend(timestamp, deadline, expire)
        return [(other, ("probe", data)) for other, t_other in sorted(residents)
                if abs(t - t_other) <= self._horizon_ms]

    @on_timer(EXPIRE)
    def on_expire(self, fired=beam.DoFn.TimestampParam, entries=beam.DoFn.StateParam(ENTRIES),
                  deadline=beam.DoFn.StateParam(_ExpiringState.DEADLINE)):
        keep_after = fired.micros // 1000 - self._keep_ms
        alive = [e for e in entries.read() if e[2] >= keep_after]
        entries.clear()
        for entry in alive:
            entries.add(entry)
        deadline.clear()


class _VerifyFn(_ExpiringState):
    """Keyed by page_id: holds the document's own fingerprint; judges each probe against it and
    sends the edge (senior, label, score) to the junior document's Assign key."""

    OWN = ReadModifyWriteStateSpec("own", coders.BytesCoder())
    PENDING = BagStateSpec("pending", coders.BytesCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def process(self, element, timestamp=beam.DoFn.TimestampParam, own=beam.DoFn.StateParam(OWN),
                pending=beam.DoFn.StateParam(PENDING), deadline=beam.DoFn.StateParam(_ExpiringState.DEADLINE),
                expire=beam.DoFn.TimerParam(EXPIRE)):
        _pid, (kind, data) = element
        self._extend(timestamp, deadline, expire)
        if kind == "own":
            if own.read() is not None:
                return
            own.write(data)
            mine = Fingerprint.from_bytes(data)
            for probe in pending.read():
                yield from self._judge(mine, Fingerprint.from_bytes(probe))
            pending.clear()
            return
        resident = own.read()
        if resident is None:
            pending.add(data)
            return
        yield from self._judge(Fingerprint.from_bytes(resident), Fingerprint.from_bytes(data))

    @staticmethod
    def _judge(a: Fingerprint, b: Fingerprint):
        senior, junior = (a, b) if seniority(a) < seniority(b) else (b, a)
        decision = explain(senior, junior)
        if decision.label is not None:
            yield (junior.page_id, ("edge", senior.event_time_ms, senior.page_id, decision.label, decision.score,
                                    decision.rule))

    @on_timer(EXPIRE)
    def on_expire(self, own=beam.DoFn.StateParam(OWN), pending=beam.DoFn.StateParam(PENDING),
                  deadline=beam.DoFn.StateParam(_ExpiringState.DEADLINE)):
        own.clear()
        pending.clear()
        deadline.clear()


class _AssignFn(beam.DoFn):
    """Keyed by page_id: collects edges from senior documents and, once the watermark has passed
    the document's time plus the decision delay, names its founder and story."""

    SELF = ReadModifyWriteStateSpec("self", _ANY)
    EDGES = BagStateSpec("edges", _ANY)
    DECIDE = TimerSpec("decide", TimeDomain.WATERMARK)

    def __init__(self, delay_ms: int) -> None:
        self._delay_ms = delay_ms
        self._exact = Metrics.counter(NAMESPACE, "dups_exact")
        self._near = Metrics.counter(NAMESPACE, "dups_near")

    def process(self, element, timestamp=beam.DoFn.TimestampParam, me=beam.DoFn.StateParam(SELF),
                edges=beam.DoFn.StateParam(EDGES), decide=beam.DoFn.TimerParam(DECIDE)):
        _pid, value = element
        if value[0] == "self":
            if me.read() is None:
                me.write((value[1], value[2]))
                decide.set(_expire_at(timestamp, self._delay_ms))
        else:
            edges.add(value[1:])
        return ()

    @on_timer(DECIDE)
    def on_decide(self, me=beam.DoFn.StateParam(SELF), edges=beam.DoFn.StateParam(EDGES)):
        state = me.read()
        if state is None:
            return
        doc, t = state
        pid = doc["page_id"]
        founder, best = (t, pid), None
        related = []
        for t_s, senior, label, score, rule in sorted(set(edges.read())):
            if label == "duplicate" and (t_s, senior) < founder:
                founder, best = (t_s, senior), (score, rule)
            related.append((t_s, senior, label, score, rule))
        me.clear()
        edges.clear()
        story = story_key(founder[1])
        if founder[1] != pid:
            (self._exact if best[1] in ("exact", "url") else self._near).inc()
            yield pvalue.TaggedOutput(LINKS, _link(
                story_key(pid), "duplicate_of", best[0], t, f"page_id={pid};founder={founder[1]};rule={best[1]}",
                to_story=story, to_url=doc.get("canonical_url") or doc.get("url") or None))
            # The story this document would have founded now lives inside `story`.
            yield pvalue.TaggedOutput("stories", (story_key(pid), ("founder_joined", story, best[0], best[1],
                                                                    founder[1], pid)))
        yield pvalue.TaggedOutput("stories", (story, ("member", doc, t)))
        rank = (founder[0], founder[1])
        yield pvalue.TaggedOutput("resolve", (pid, ("story", story, rank)))
        for _t, senior, label, score, rule in related:
            yield pvalue.TaggedOutput("resolve", (senior, ("pair", story, rank, pid, t, label, score, rule)))
        if doc.get("parent"):
            yield pvalue.TaggedOutput("resolve", (doc["parent"], ("item", story, doc)))


class _StoriesFn(_ExpiringState):
    """Keyed by story_id: members and the canonical record; every change is an upsert."""

    MEMBERS = BagStateSpec("members", _ANY)
    MERGED = ReadModifyWriteStateSpec("merged", _ANY)
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, keep_ms: int) -> None:
        super().__init__(keep_ms)
        self._created = Metrics.counter(NAMESPACE, "stories_created")
        self._updated = Metrics.counter(NAMESPACE, "stories_updated")
        self._merged = Metrics.counter(NAMESPACE, "stories_merged")

    def process(self, element, timestamp=beam.DoFn.TimestampParam, members=beam.DoFn.StateParam(MEMBERS),
                merged=beam.DoFn.StateParam(MERGED), deadline=beam.DoFn.StateParam(_ExpiringState.DEADLINE),
                expire=beam.DoFn.TimerParam(EXPIRE)):
        story_id, value = element
        self._extend(timestamp, deadline, expire)
        current = list(members.read())
        if value[0] == "founder_joined":
            if merged.read() is not None:
                return
            _, into, score, rule, joined, founder = value
            merged.write((into, score, rule, joined, founder))
            if current:
                yield from self._merge_outputs(story_id, current, merged.read())
            return
        doc, _t = value[1], value[2]
        if any(m["page_id"] == doc["page_id"] for m in current):
            return
        members.add(doc)
        current.append(doc)
        (self._created if len(current) == 1 else self._updated).inc()
        info = merged.read()
        if info is not None and len(current) == 1:
            yield from self._merge_outputs(story_id, current, info)
            return
        yield _story_record(story_id, current, info[0] if info else None)

    def _merge_outputs(self, story_id: str, current: list[dict], info: tuple):
        into, score, rule, joined, founder = info
        self._merged.inc()
        yield pvalue.TaggedOutput(LINKS, _link(story_id, "merged_into", score, min(event_time_ms(m) for m in current),
                                               f"founder={founder};joined={joined};rule={rule}", to_story=into))
        yield _story_record(story_id, current, into)

    @on_timer(EXPIRE)
    def on_expire(self, members=beam.DoFn.StateParam(MEMBERS), merged=beam.DoFn.StateParam(MERGED),
                  deadline=beam.DoFn.StateParam(_ExpiringState.DEADLINE)):
        members.clear()
        merged.clear()
        deadline.clear()


class _ResolveLinksFn(_ExpiringState):
    """Keyed by page_id: once the page's own story is known, turns pairs judged against it and the
    stories of its related-news items into `related` and `similar_news` links."""

    STORY = ReadModifyWriteStateSpec("story", _ANY)
    WAITING = BagStateSpec("waiting", _ANY)
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def process(self, element, timestamp=beam.DoFn.TimestampParam, story=beam.DoFn.StateParam(STORY),
                waiting=beam.DoFn.StateParam(WAITING), deadline=beam.DoFn.StateParam(_ExpiringState.DEADLINE),
                expire=beam.DoFn.TimerParam(EXPIRE)):
        pid, value = element
        self._extend(timestamp, deadline, expire)
        if value[0] == "story":
            if story.read() is not None:
                return
            story.write(value[1:])
            for pending in waiting.read():
                yield from self._link(pid, value[1:], pending)
            waiting.clear()
            return
        known = story.read()
        if known is None:
            waiting.add(value)
            return
        yield from self._link(pid, known, value)

    @staticmethod
    def _link(pid: str, mine: tuple, value: tuple):
        my_story, my_rank = mine
        if value[0] == "item":
            _, item_story, item = value
            if item_story != my_story:
                yield _link(my_story, "similar_news", 1.0, event_time_ms(item),
                            f"page_id={pid};item={item['item_index']}", to_story=item_story,
                            to_url=item.get("canonical_url") or None, to_title=item.get("title") or None)
            return
        _, junior_story, junior_rank, junior, t_junior, label, score, rule = value
        if junior_story == my_story:
            return
        src, dst = (junior_story, my_story) if junior_rank > my_rank else (my_story, junior_story)
        yield _link(src, "related", score, t_junior, f"pair={pid}~{junior};rule={label}:{rule}", to_story=dst)

    @on_timer(EXPIRE)
    def on_expire(self, story=beam.DoFn.StateParam(STORY), waiting=beam.DoFn.StateParam(WAITING),
                  deadline=beam.DoFn.StateParam(_ExpiringState.DEADLINE)):
        story.clear()
        waiting.clear()
        deadline.clear()


class _FirstLinkFn(_ExpiringState):
    """Keyed by (from, type, to): passes the first link of each edge, drops repeats (many document
    pairs can relate the same two stories) for the horizon."""

    SEEN = ReadModifyWriteStateSpec("seen", coders.BooleanCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def process(self, element, timestamp=beam.DoFn.TimestampParam, seen=beam.DoFn.StateParam(SEEN),
                deadline=beam.DoFn.StateParam(_ExpiringState.DEADLINE), expire=beam.DoFn.TimerParam(EXPIRE)):
        if seen.read():
            return ()
        seen.write(True)
        self._extend(timestamp, deadline, expire)
        return [element[1]]

    @on_timer(EXPIRE)
    def on_expire(self, seen=beam.DoFn.StateParam(SEEN), deadline=beam.DoFn.StateParam(_ExpiringState.DEADLINE)):
        seen.clear()
        deadline.clear()


def _keyed(fn: beam.DoFn) -> beam.ParDo:
    """A stateful step over string keys (a deterministic key coder, as state requires)."""
    return beam.ParDo(fn).with_input_types(KV[str, Any])


def _link_key(link: dict) -> tuple[str, dict]:
    return ("|".join((link["from_story"], link["type"], link["to_story"] or "", link["to_url"] or "",
                      link["to_title"] or "")), link)


class DedupStories(beam.PTransform):
    """Articles → (Story upserts, StoryLink records) by the rule of pipelines.dedup.stories.

    `horizon_ms`: how far apart in event time two copies may be and still be one story (48 h).
    `decision_delay_ms`: allowed lateness — how long after a document's timestamp (in watermark
    time) its story is decided; copies arriving later than that are not considered for it."""

    def __init__(self, horizon_ms: int = HORIZON_MS, decision_delay_ms: int = 60_000) -> None:
        super().__init__()
        self._horizon_ms = horizon_ms
        self._delay_ms = decision_delay_ms

    def expand(self, articles):
        keep = self._horizon_ms + self._delay_ms
        docs = articles | "DedupDocs" >> beam.FlatMap(dedup_docs)
        fps = docs | "Fingerprint" >> beam.ParDo(_FingerprintFn()).with_outputs("bands", "own", main="self")
        probes = fps.bands | "Buckets" >> _keyed(_BucketsFn(self._horizon_ms, self._delay_ms))
        edges = (fps.own, probes) | "ToVerify" >> beam.Flatten() | "Verify" >> _keyed(_VerifyFn(keep))
        assigned = (
            (fps.self, edges)
            | "ToAssign" >> beam.Flatten()
            | "Assign" >> _keyed(_AssignFn(self._delay_ms)).with_outputs(LINKS, "stories", "resolve")
        )
        stories = assigned.stories | "Stories" >> _keyed(_StoriesFn(keep)).with_outputs(LINKS, main="stories")
        resolved = assigned.resolve | "ResolveLinks" >> _keyed(_ResolveLinksFn(keep))
        links = (
            (assigned[LINKS], stories[LINKS], resolved)
            | "CollectLinks" >> beam.Flatten()
            | "KeyLinks" >> beam.Map(_link_key)
            | "FirstLinkOnly" >> _keyed(_FirstLinkFn(keep))
        )
        return stories.stories, links
