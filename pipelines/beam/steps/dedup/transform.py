"""Windowed near-duplicate dedup in Beam keyed state: the streaming twin of pipelines.core.dedup.stories.

The rule (stories.py) gives every document the most senior duplicate within the horizon as its
founder, one hop only, so the work is a DAG of keyed steps with no feedback:

  DedupDocs → Fingerprint ─┬→ Buckets (key: shard) ─residents→ Candidates (key: newcomer page_id)
                           ├→ Candidates (the newcomer's fingerprint)   │ one probe per distinct pair
                           ├→ Verify (own fingerprint) ←────────────────┘ Verify (key: resident page_id)
                           └→ Assign (key: page_id) ←── duplicate/related edge ──┘
  Assign ─member→ Stories (key: story_id) → Story upserts
  Assign ─story──→ ResolveLinks (key: page_id) → related / similar_news links
  Assign → duplicate_of links;  Stories → merged_into links

Buckets (4,096 shards of the band keys) keep only (band tag, event time, page_id) per band and
tell the newcomer which residents share the band; its Candidates key sends its fingerprint once
to each distinct resident, whose Verify key keeps its own fingerprint once (≈0.5 KB), so no step
holds a fingerprint per band. Assign decides a document when the watermark passes its timestamp
plus the allowed lateness: by then every senior document (event time ≤ its own) that arrived within
that lateness has been bucketed and verified, so the founder — and hence the story id — is the
same whatever the arrival order or the split over workers. All state expires on event-time timers
`horizon + allowed lateness` after the last element that needed it (Flink's state TTL is
processing-time only, so it is not used). Story versions equal member counts, so the final record
of a story does not depend on how many intermediate upserts were emitted.

A step keeps a key's state in one value cell (`_Cell`), plus a bag only where values arrive that
must not be read to be added (bucket entries, edges, parked probes and pairs): on Flink each cell
of a key costs a round trip on its first read and a request per write. Cell names are part of the
savepoint layout.
"""

from __future__ import annotations

import hashlib
import pickle
import struct
from typing import Any

import apache_beam as beam
from apache_beam import coders, pvalue
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.typehints import KV
from apache_beam.utils.timestamp import Duration, Timestamp

from pipelines.beam import sdk_patches  # noqa: F401  (cheap state-cache weights, see module)
from pipelines.config import NAMESPACE
from pipelines.core.dead_letters import LATE_ARTICLE_KEY
from pipelines.core.dedup.decide import explain
from pipelines.core.dedup.signature import Fingerprint, event_time_ms, fingerprint
from pipelines.core.dedup.stories import (
    HORIZON_MS,
    _canonical_key,
    _link,
    _seen_at,
    _story_record,
    _url,
    related_item_doc,
    seniority,
    story_key,
)

LINKS = "links"
MEMBER_FIELDS = ("page_id", "url", "canonical_url", "source", "title", "lead", "body", "language",
                 "language_confidence", "published_at", "fetched_at")
# A bucket resident: event time (ms), arrival (s, rounded up; for expiry only), then its page_id — 16 raw
# bytes when it is the pipeline's 32-hex-digit id (flag 0), else UTF-8 (flag 1). ≈29 bytes.
_ENTRY = struct.Struct(">qIB")
# Bucket shards (a fixed part of the state layout: changing it needs a fresh start, not a savepoint).
BUCKET_SHARDS = 4096
_TAG_BYTES = 8


class _StateMeter:
    """Bytes of dedup state, as counters: the similarity index kept for the horizon (the figure to
    hold per document), the stories' own state, and what stays only until a decision. Appends
    count their bytes; a rewritten cell counts how much it grew, so the totals are what is held,
    not what was written. Keys are counted once, with the first value a key's state gets; timers
    are not counted."""

    def __init__(self) -> None:
        self._held = Metrics.counter(NAMESPACE, "dedup_state_bytes")
        self._stories = Metrics.counter(NAMESPACE, "dedup_story_state_bytes")
        self._transient = Metrics.counter(NAMESPACE, "dedup_state_bytes_transient")

    def held(self, data: bytes, key: str | None = None) -> bytes:
        self._held.inc(len(data) + (len(key.encode()) if key else 0))
        return data

    def transient(self, data: bytes, key: str | None = None) -> bytes:
        self._transient.inc(len(data) + (len(key.encode()) if key else 0))
        return data

    def grown(self, kind: str, old: bytes | None, new: bytes, key: str) -> bytes:
        """A rewritten cell: counts its growth (and the key, the first time) under `kind`, one of
        'held', 'transient' or 'story' (membership and the canonical member in full: grows with
        stories)."""
        counter = {"held": self._held, "story": self._stories, "transient": self._transient}[kind]
        counter.inc(len(new) - (len(old) if old is not None else -len(key.encode())))
        return new


class _Cell:
    """All of a key's state for one step in a single read-modify-write cell (a pickled value).

    Each cell of a key costs a state request per read miss and per write on Flink (a round trip to
    the runner), and a lookup per element on every runner, so a step keeps one cell where a bag
    is not needed. `load` returns the value (or `empty`); `store` writes only a changed value."""

    def __init__(self, state, meter: _StateMeter, kind: str, key: str) -> None:
        self._state, self._meter, self._kind, self._key = state, meter, kind, key
        self.raw: bytes | None = state.read()

    def load(self, empty: Any) -> Any:
        return pickle.loads(self.raw) if self.raw is not None else empty

    def store(self, value: Any) -> None:
        data = _dumps(value)
        if data != self.raw:
            self._state.write(self._meter.grown(self._kind, self.raw, data, self._key))
            self.raw = data


def _dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


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


class _DedupDocsFn(beam.DoFn):
    """Articles → dedup documents; the article of a late record (SplitLateRecords reported it as a
    dead letter) is left out: its story cannot be decided the same way on every replay."""

    def process(self, article: dict):
        if not article.get(LATE_ARTICLE_KEY):
            yield from dedup_docs(article)


def _expire_at(timestamp: Timestamp, after_ms: int) -> Timestamp:
    return timestamp + Duration(micros=after_ms * 1000)


class _ExpiringState(beam.DoFn):
    """Shared expiry bookkeeping: one event-time timer per key, pushed past the latest deadline
    (kept in the step's own cell, as µs): state lives at least `keep_ms` after the last element
    that needed it and at most a sixteenth longer."""

    def __init__(self, keep_ms: int, expire: bool = True) -> None:
        self._keep_ms = keep_ms
        self._expire = expire
        self._meter = _StateMeter()

    def _deadline(self, timestamp: Timestamp, current: int | None, timer) -> int | None:
        """The key's deadline after an element at `timestamp`; sets the timer when it moves."""
        if not self._expire:
            return current
        target = _expire_at(timestamp, self._keep_ms)
        if current is None or target.micros > current:
            # Pushed a sixteenth of the time kept past what is needed: the deadline (a cell write
            # and a timer) then moves at most 16 times per horizon, not on every later element.
            pushed = _expire_at(target, self._keep_ms // 16)
            timer.set(pushed)
            return pushed.micros
        return current


class _FingerprintFn(beam.DoFn):
    def __init__(self) -> None:
        self._docs = Metrics.counter(NAMESPACE, "dedup_docs")

    def process(self, doc: dict, timestamp=beam.DoFn.TimestampParam):
        self._docs.inc()
        fp = fingerprint(doc)
        data = fp.to_bytes()
        packed = _pack_entry(fp.event_time_ms, timestamp.micros // 1000, fp.page_id)
        for shard, tags in bucket_tags(fp.band_keys).items():
            yield pvalue.TaggedOutput("bands", (shard, (tags, packed)))
        yield pvalue.TaggedOutput("own", (fp.page_id, ("own", data)))
        yield pvalue.TaggedOutput("prober", (fp.page_id, ("fp", data)))
        yield (fp.page_id, ("self", doc, fp.event_time_ms))


def bucket_tags(band_keys: tuple[str, ...] | list[str]) -> dict[str, bytes]:
    """A document's band keys grouped by Buckets shard: shard key → its bands' 8-byte tags.

    Band keys are spread over a fixed `BUCKET_SHARDS` keys instead of being keys themselves: most
    band keys see a single document, so every read of its state was a miss that cost a round trip
    to the runner (≈0.4 ms on embedded Flink), and a timer per band. A shard key is read again and
    again, from the SDK's state cache. Two different bands with equal tags (2^-64) only make a
    candidate pair, which Verify judges on the full fingerprints anyway."""
    shards: dict[str, bytes] = {}
    for key in band_keys:
        tag = hashlib.blake2b(key.encode(), digest_size=_TAG_BYTES, person=b"nb-bucket").digest()
        shard = f"{int.from_bytes(tag, 'big') % BUCKET_SHARDS:04x}"
        shards[shard] = shards.get(shard, b"") + tag
    return shards


class _BucketsFn(beam.DoFn):
    """Keyed by bucket shard: residents (band tag, event time, page_id, arrival s) of the bands in
    the shard; tells a newcomer which residents within the horizon share one of its bands (its
    Candidates key collects them over all its shards)."""

    ENTRIES = BagStateSpec("entries", coders.BytesCoder())
    NEXT_EXPIRY = ReadModifyWriteStateSpec("next_expiry", coders.VarIntCoder())  # ms, the pending timer
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, horizon_ms: int, delay_ms: int, expire: bool = True) -> None:
        self._horizon_ms = horizon_ms
        self._keep_ms = horizon_ms + delay_ms
        self._expire = expire
        self._meter = _StateMeter()

    def process(self, element, entries=beam.DoFn.StateParam(ENTRIES),
                next_expiry=beam.DoFn.StateParam(NEXT_EXPIRY), expire=beam.DoFn.TimerParam(EXPIRE)):
        _, (tags, packed) = _unpack(element)
        mine = {tags[i:i + _TAG_BYTES] for i in range(0, len(tags), _TAG_BYTES)}
        t, page_id, arrival_ms = _read_entry(packed)
        residents = set()
        for entry in entries.read():
            if entry[:_TAG_BYTES] in mine:
                t_other, other, _ = _read_entry(entry[_TAG_BYTES:])
                if other == page_id:
                    return ()  # the same document again (a replay): already filed and probed
                residents.add((other, t_other))
        for tag in sorted(mine):
            entries.add(self._meter.held(tag + packed))
        if self._expire and next_expiry.read() is None:
            self._arm(arrival_ms + self._keep_ms, next_expiry, expire)
        near = tuple(sorted({other for other, t_other in residents if abs(t - t_other) <= self._horizon_ms}))
        return [(page_id, ("residents", near))] if near else []

    @staticmethod
    def _arm(at_ms: int, next_expiry, expire) -> None:
        next_expiry.write(at_ms)
        expire.set(Timestamp(micros=at_ms * 1000))

    @on_timer(EXPIRE)
    def on_expire(self, fired=beam.DoFn.TimestampParam, entries=beam.DoFn.StateParam(ENTRIES),
                  next_expiry=beam.DoFn.StateParam(NEXT_EXPIRY), expire=beam.DoFn.TimerParam(EXPIRE)):
        # One timer per shard, at its oldest entry's expiry (entries filed out of order may stay a
        # little longer, never less). Rewriting a shard costs its size, so after a sweep the next
        # one waits at least an eighth of the horizon: entries outlive it by at most that much.
        fired_ms = fired.micros // 1000
        arrivals = [(_read_entry(e[_TAG_BYTES:])[2], e) for e in entries.read()]
        alive = [(arrival, e) for arrival, e in arrivals if arrival + self._keep_ms > fired_ms]
        entries.clear()
        for _, entry in alive:
            entries.add(entry)
        if alive:
            oldest_ms = min(arrival for arrival, _ in alive)
            self._arm(max(oldest_ms + self._keep_ms, fired_ms + self._keep_ms // 8), next_expiry, expire)
        else:
            next_expiry.clear()


class _CandidatesFn(beam.DoFn):
    """Keyed by the newcomer's page_id: sends its fingerprint once to each distinct resident it
    shares a band with. Probing per shared band instead cost 279 probes per document on the
    sample feed, where a teaser repeated on hundreds of pages shares five title bands with each
    copy. State lives until the newcomer's decision (its band messages all come before that)."""

    CELL = ReadModifyWriteStateSpec("candidates", coders.BytesCoder())  # (fingerprint, sent, waiting)
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, delay_ms: int, expire: bool = True) -> None:
        self._delay_ms = delay_ms
        self._expire = expire
        self._meter = _StateMeter()

    def process(self, element, timestamp=beam.DoFn.TimestampParam, state=beam.DoFn.StateParam(CELL),
                expire=beam.DoFn.TimerParam(EXPIRE)):
        pid, (kind, payload) = _unpack(element)
        cell = _Cell(state, self._meter, "transient", pid)
        data, sent, waiting = cell.load((None, set(), []))
        if kind == "fp":
            if data is not None:
                return
            if self._expire:
                expire.set(_expire_at(timestamp, self._delay_ms))
            data, new, waiting = payload, waiting, []
        else:
            new = [r for r in payload if r not in sent and r not in waiting]
            if not new:
                return
            if data is None:  # the residents came first: wait for the fingerprint
                waiting = waiting + new
                new = []
        sent.update(new)
        cell.store((data, sent, waiting))
        for resident in new:
            yield (resident, ("probe", data))

    @on_timer(EXPIRE)
    def on_expire(self, state=beam.DoFn.StateParam(CELL)):
        state.clear()


def _pack_entry(t: int, arrival_ms: int, page_id: str) -> bytes:
    if len(page_id) == 32 and all(c in "0123456789abcdef" for c in page_id):
        return _ENTRY.pack(t, -(-arrival_ms // 1000), 0) + bytes.fromhex(page_id)
    return _ENTRY.pack(t, -(-arrival_ms // 1000), 1) + page_id.encode()


def _read_entry(data: bytes) -> tuple[int, str, int]:
    """(event time ms, page_id, arrival ms rounded up to the second: kept a little longer, never
    expired early)."""
    t, arrival_s, flag = _ENTRY.unpack_from(data)
    rest = data[_ENTRY.size:]
    return t, rest.hex() if flag == 0 else rest.decode(), arrival_s * 1000


class _VerifyFn(_ExpiringState):
    """Keyed by page_id: holds the document's own fingerprint; judges each probe against it and
    sends the edge (senior, label, score) to the junior document's Assign key."""

    OWN = ReadModifyWriteStateSpec("verify", coders.BytesCoder())  # (own fingerprint, deadline)
    PENDING = BagStateSpec("pending", coders.BytesCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def start_bundle(self) -> None:
        # A resident is probed by many newcomers and a newcomer probes many residents: decode each
        # fingerprint once per bundle (a pure function of the bytes). Candidates already sends
        # each pair once.
        self._decoded: dict[bytes, Fingerprint] = {}

    def _fingerprint(self, data: bytes) -> Fingerprint:
        fp = self._decoded.get(data)
        if fp is None:
            if len(self._decoded) >= 16384:
                self._decoded.clear()
            fp = self._decoded[data] = Fingerprint.from_bytes(data)
        return fp

    def process(self, element, timestamp=beam.DoFn.TimestampParam, state=beam.DoFn.StateParam(OWN),
                pending=beam.DoFn.StateParam(PENDING), expire=beam.DoFn.TimerParam(EXPIRE)):
        pid, (kind, data) = _unpack(element)
        cell = _Cell(state, self._meter, "held", pid)
        own, deadline = cell.load((None, None))  # own: None, b"" (probes parked) or the fingerprint
        moved = self._deadline(timestamp, deadline, expire)
        if kind == "own" and not own:
            cell.store((data, moved))
            if own is not None:  # only read the bag when something was parked: a read is a round trip
                mine = self._fingerprint(data)
                for probe in pending.read():
                    yield from self._judge(mine, self._fingerprint(probe))
                pending.clear()
            return
        if kind == "probe" and not own:  # parked until the resident's own fingerprint comes
            pending.add(self._meter.transient(data))
            cell.store((b"", moved))
            return
        if moved != deadline:
            cell.store((own, moved))
        if kind == "probe":
            yield from self._judge(self._fingerprint(own), self._fingerprint(data))

    @staticmethod
    def _judge(a: Fingerprint, b: Fingerprint):
        senior, junior = (a, b) if seniority(a) < seniority(b) else (b, a)
        decision = explain(senior, junior)
        if decision.label is not None:
            yield (junior.page_id, ("edge", senior.event_time_ms, senior.page_id, decision.label, decision.score,
                                    decision.rule))

    @on_timer(EXPIRE)
    def on_expire(self, state=beam.DoFn.StateParam(OWN), pending=beam.DoFn.StateParam(PENDING)):
        state.clear()
        pending.clear()


class _AssignFn(beam.DoFn):
    """Keyed by page_id: collects edges from senior documents and, once the watermark has passed
    the document's time plus the decision delay, names its founder and story."""

    SELF = ReadModifyWriteStateSpec("self", coders.BytesCoder())
    EDGES = BagStateSpec("edges", coders.BytesCoder())
    DECIDE = TimerSpec("decide", TimeDomain.WATERMARK)
    GC = TimerSpec("gc", TimeDomain.WATERMARK)

    def __init__(self, delay_ms: int, keep_ms: int, expire: bool = True) -> None:
        self._delay_ms = delay_ms
        self._keep_ms = keep_ms
        self._expire = expire
        self._meter = _StateMeter()
        self._exact = Metrics.counter(NAMESPACE, "dups_exact")
        self._near = Metrics.counter(NAMESPACE, "dups_near")

    def process(self, element, timestamp=beam.DoFn.TimestampParam, me=beam.DoFn.StateParam(SELF),
                edges=beam.DoFn.StateParam(EDGES), decide=beam.DoFn.TimerParam(DECIDE),
                gc=beam.DoFn.TimerParam(GC)):
        pid, value = _unpack(element)
        if value[0] == "self":
            if me.read() is None:
                me.write(self._meter.transient(_dumps((value[1], value[2])), pid))
                decide.set(_expire_at(timestamp, self._delay_ms))
        else:
            edges.add(self._meter.transient(_dumps(value[1:])))
            if self._expire and me.read() is None:  # not here yet, or decided: never keep edges for good
                gc.set(_expire_at(timestamp, self._keep_ms))
        return ()

    @on_timer(GC)
    def on_gc(self, me=beam.DoFn.StateParam(SELF), edges=beam.DoFn.StateParam(EDGES)):
        if me.read() is None:
            edges.clear()

    @on_timer(DECIDE)
    def on_decide(self, me=beam.DoFn.StateParam(SELF), edges=beam.DoFn.StateParam(EDGES)):
        state = me.read()
        if state is None:
            return
        doc, t = pickle.loads(state)
        pid = doc["page_id"]
        founder, best = (t, pid), None
        related = []
        received = list(edges.read())
        for t_s, senior, label, score, rule in sorted({pickle.loads(e) for e in received}):
            if label == "duplicate" and (t_s, senior) < founder:
                founder, best = (t_s, senior), (score, rule)
            related.append((t_s, senior, label, score, rule))
        me.clear()
        if received:
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
    """Keyed by story_id: the canonical member in full, every other member as the few fields a story
    record lists (≈100 bytes, so state stays small however long a story's body is); every change
    is an upsert."""

    CELL = ReadModifyWriteStateSpec("story", coders.BytesCoder())  # (members, best, merged, deadline)
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, keep_ms: int, expire: bool = True) -> None:
        super().__init__(keep_ms, expire)
        self._created = Metrics.counter(NAMESPACE, "stories_created")
        self._updated = Metrics.counter(NAMESPACE, "stories_updated")
        self._merged = Metrics.counter(NAMESPACE, "stories_merged")

    def process(self, element, timestamp=beam.DoFn.TimestampParam, state=beam.DoFn.StateParam(CELL),
                expire=beam.DoFn.TimerParam(EXPIRE)):
        story_id, value = _unpack(element)
        cell = _Cell(state, self._meter, "story", story_id)
        current, best, info, deadline = cell.load(([], None, None, None))
        deadline = self._deadline(timestamp, deadline, expire)
        if value[0] == "founder_joined":
            if info is None:
                _, into, score, rule, joined, founder = value
                info = (into, score, rule, joined, founder)
                if current:
                    yield from self._merge_outputs(story_id, current, best, info)
            cell.store((current, best, info, deadline))
            return
        doc = {k: value[1].get(k) for k in MEMBER_FIELDS}
        if any(m["page_id"] == doc["page_id"] for m in current):
            cell.store((current, best, info, deadline))
            return
        current.append(_member_summary(doc))
        if best is None or _canonical_key(doc) < _canonical_key(best):
            best = doc
        cell.store((current, best, info, deadline))
        (self._created if len(current) == 1 else self._updated).inc()
        if info is not None and len(current) == 1:
            yield from self._merge_outputs(story_id, current, best, info)
            return
        yield _story_record(story_id, current, info[0] if info else None, best=best)

    def _merge_outputs(self, story_id: str, current: list[dict], best: dict, info: tuple):
        into, score, rule, joined, founder = info
        self._merged.inc()
        yield pvalue.TaggedOutput(LINKS, _link(story_id, "merged_into", score, min(m["event_time"] for m in current),
                                               f"founder={founder};joined={joined};rule={rule}", to_story=into))
        yield _story_record(story_id, current, into, best=best)

    @on_timer(EXPIRE)
    def on_expire(self, state=beam.DoFn.StateParam(CELL)):
        state.clear()


def _member_summary(doc: dict) -> dict:
    """What a story record needs of a member that is not the canonical one."""
    return {"page_id": doc["page_id"], "url": str(doc.get("url") or _url(doc)), "source": doc.get("source"),
            "fetched_at": _seen_at(doc), "language": doc.get("language"), "event_time": event_time_ms(doc)}


class _ResolveLinksFn(_ExpiringState):
    """Keyed by page_id: once the page's own story is known, turns pairs judged against it and the
    stories of its related-news items into `related` and `similar_news` links.

    A `related` link from this page's pairs depends only on the other document's story (its
    direction on the two founders' ranks), so the key remembers which stories it has linked (8
    bytes each) and passes one link per story: on the 2,000-page bench feed, 121 k cross-story
    pairs made 53 k links here instead of 121 k for FirstLinkOnly to drop."""

    CELL = ReadModifyWriteStateSpec("resolve", coders.BytesCoder())  # ((story, rank), linked, deadline, parked)
    WAITING = BagStateSpec("waiting", coders.BytesCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def process(self, element, timestamp=beam.DoFn.TimestampParam, state=beam.DoFn.StateParam(CELL),
                waiting=beam.DoFn.StateParam(WAITING), expire=beam.DoFn.TimerParam(EXPIRE)):
        pid, value = _unpack(element)
        cell = _Cell(state, self._meter, "held", pid)
        mine, linked, deadline, parked = cell.load((None, set(), None, False))
        deadline = self._deadline(timestamp, deadline, expire)
        if value[0] == "story":
            if mine is None:
                mine = value[1:]
                if parked:  # only read the bag when something was parked: a read is a round trip
                    for pending in waiting.read():
                        yield from self._link(pid, mine, pickle.loads(pending), linked)
                    waiting.clear()
                    parked = False
        elif mine is None:
            waiting.add(self._meter.transient(_dumps(value)))
            parked = True
        else:
            yield from self._link(pid, mine, value, linked)
        cell.store((mine, linked, deadline, parked))

    @staticmethod
    def _link(pid: str, mine: tuple, value: tuple, linked: set[bytes]):
        my_story, my_rank = mine
        if value[0] == "item":
            _, item_story, item = value
            if item_story != my_story:
                yield _link(my_story, "similar_news", 1.0, event_time_ms(item),
                            f"page_id={pid};item={item['item_index']}", to_story=item_story,
                            to_url=item.get("canonical_url") or None, to_title=item.get("title") or None)
            return
        _, junior_story, junior_rank, junior, t_junior, label, score, rule = value
        tag = bytes.fromhex(junior_story[:16])
        if junior_story == my_story or tag in linked:
            return
        linked.add(tag)
        src, dst = (junior_story, my_story) if junior_rank > my_rank else (my_story, junior_story)
        yield _link(src, "related", score, t_junior, f"pair={pid}~{junior};rule={label}:{rule}", to_story=dst)

    @on_timer(EXPIRE)
    def on_expire(self, state=beam.DoFn.StateParam(CELL), waiting=beam.DoFn.StateParam(WAITING)):
        state.clear()
        waiting.clear()


class _FirstLinkFn(_ExpiringState):
    """Keyed by (from, type, to): passes the first link of each edge, drops repeats (many document
    pairs can relate the same two stories) for the horizon. Its one cell is the key's expiry
    deadline (µs; 0 without expiry): present means seen."""

    SEEN = ReadModifyWriteStateSpec("seen", coders.VarIntCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def process(self, element, timestamp=beam.DoFn.TimestampParam, seen=beam.DoFn.StateParam(SEEN),
                expire=beam.DoFn.TimerParam(EXPIRE)):
        if seen.read() is not None:
            return ()
        seen.write(self._deadline(timestamp, None, expire) or 0)
        self._meter.held(b"\x01" * 8, element[0])
        return [_unpack(element)[1]]

    @on_timer(EXPIRE)
    def on_expire(self, seen=beam.DoFn.StateParam(SEEN)):
        seen.clear()


def _pack(element: tuple[str, Any]) -> tuple[str, bytes]:
    return element[0], pickle.dumps(element[1], protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(element: tuple[str, bytes]) -> tuple[str, Any]:
    return element[0], pickle.loads(element[1])


class _Keyed(beam.PTransform):
    """A stateful step over (str key, pickled value): runners see only standard coders (UTF-8 key,
    bytes value), which Prism needs to group and Flink to shard keys deterministically."""

    def __init__(self, fn: beam.DoFn, *outputs: str, main: str | None = None) -> None:
        super().__init__()
        self._fn, self._outputs, self._main = fn, outputs, main

    def expand(self, pcoll):
        step = beam.ParDo(self._fn).with_input_types(KV[str, bytes])
        if self._outputs:
            step = step.with_outputs(*self._outputs, main=self._main)
        return pcoll | "Pack" >> beam.Map(_pack).with_output_types(KV[str, bytes]) | "State" >> step


def _link_key(link: dict) -> tuple[str, dict]:
    return ("|".join((link["from_story"], link["type"], link["to_story"] or "", link["to_url"] or "",
                      link["to_title"] or "")), link)


class DedupStories(beam.PTransform):
    """Articles → (Story upserts, StoryLink records) by the rule of pipelines.core.dedup.stories.

    `horizon_ms`: how far apart in event time two copies may be and still be one story (48 h).
    `allowed_lateness_ms`: how long after a document's timestamp (in watermark time) its story is
    decided. Articles of records that came later than that (SplitLateRecords) are left out.
    `expire_state`: False for bounded runs. Their watermark only moves once all input is read, so
    expiry timers could only fire at the end, when the state goes anyway; without them a bounded
    run made 62% fewer state requests to the runner (one round trip each on Flink; 200 pages)."""

    def __init__(self, horizon_ms: int = HORIZON_MS, allowed_lateness_ms: int = 600_000,
                 expire_state: bool = True) -> None:
        super().__init__()
        self._horizon_ms = horizon_ms
        self._delay_ms = allowed_lateness_ms
        self._expire_state = expire_state

    def expand(self, articles):
        keep, expire = self._horizon_ms + self._delay_ms, self._expire_state
        docs = articles | "DedupDocs" >> beam.ParDo(_DedupDocsFn())
        fps = docs | "Fingerprint" >> beam.ParDo(_FingerprintFn()).with_outputs("bands", "own", "prober", main="self")
        residents = fps.bands | "Buckets" >> _Keyed(_BucketsFn(self._horizon_ms, self._delay_ms, expire))
        probes = (
            (fps.prober, residents)
            | "ToCandidates" >> beam.Flatten()
            | "Candidates" >> _Keyed(_CandidatesFn(self._delay_ms, expire))
        )
        edges = (fps.own, probes) | "ToVerify" >> beam.Flatten() | "Verify" >> _Keyed(_VerifyFn(keep, expire))
        assigned = (
            (fps.self, edges)
            | "ToAssign" >> beam.Flatten()
            | "Assign" >> _Keyed(_AssignFn(self._delay_ms, keep, expire), LINKS, "stories", "resolve")
        )
        stories = assigned.stories | "Stories" >> _Keyed(_StoriesFn(keep, expire), LINKS, main="stories")
        resolved = assigned.resolve | "ResolveLinks" >> _Keyed(_ResolveLinksFn(keep, expire))
        links = (
            (assigned[LINKS], stories[LINKS], resolved)
            | "CollectLinks" >> beam.Flatten()
            | "KeyLinks" >> beam.Map(_link_key)
            | "FirstLinkOnly" >> _Keyed(_FirstLinkFn(keep, expire))
        )
        return stories.stories, links
