"""From documents to judged pairs: Fingerprint, Buckets, Candidates and Verify.

A document's fingerprint is filed under its bands in Buckets shards, which tell the newcomer
which residents share a band; its Candidates key sends its fingerprint once to each distinct
resident, whose Verify key judges it against its own and sends the edge to the junior's Assign key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam import coders, pvalue
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import BagStateSpec, ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Timestamp

from pipelines.beam.steps.dedup.layout import BUCKET_SHARDS
from pipelines.beam.steps.dedup.records import (
    MEMBER_FIELDS,
    TAG_BYTES,
    BandFiling,
    BucketEntry,
    CandidatesState,
    Deadline,
    Document,
    Edge,
    NewcomerFingerprint,
    NewDocument,
    OwnFingerprint,
    Probe,
    Residents,
    VerifyState,
    decode_one,
    decoder,
    mark_warm_up,
)
from pipelines.beam.steps.dedup.state import ExpiringState, StateMeter, ValueCell, expire_at
from pipelines.config import NAMESPACE
from pipelines.core.dead_letters import LATE_ARTICLE_KEY, REPLAYED_ARTICLE_KEY
from pipelines.core.dedup.decide import explain
from pipelines.core.dedup.signature import Fingerprint, fingerprint
from pipelines.core.dedup.stories import related_item_doc, seniority

# Fingerprints Verify keeps decoded within a bundle before it starts over.
_DECODED_LIMIT = 16384
# Bucket entries Buckets keeps indexed within a bundle before it starts over (about 180 MB).
_INDEXED_LIMIT = 1 << 20


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


class DedupDocsFn(beam.DoFn):
    """Articles → dedup documents; the article of a late record (SplitLateRecords reported it as a
    dead letter) is left out: its story cannot be decided the same way on every replay. The
    documents of a warm-up article keep its private REPLAYED_ARTICLE_KEY (FingerprintFn reads it)."""

    def process(self, article: dict) -> Iterator[dict]:
        if article.get(LATE_ARTICLE_KEY):
            return
        docs = dedup_docs(article)
        if article.get(REPLAYED_ARTICLE_KEY):
            for doc in docs:
                doc[REPLAYED_ARTICLE_KEY] = True
        yield from docs


def bucket_tags(band_keys: tuple[str, ...] | list[str]) -> dict[str, bytes]:
    """A document's band keys grouped by Buckets shard: shard key → its bands' 8-byte tags.

    Band keys are spread over a fixed `BUCKET_SHARDS` keys instead of being keys themselves: most
    band keys see a single document, so every read of its state would be a miss that costs a
    round trip to the runner, and a timer per band. A shard key is read again and again, from the
    SDK's state cache. Two different bands with equal tags (2^-64) only make a candidate pair,
    which Verify judges on the full fingerprints anyway."""
    shards: dict[str, bytes] = {}
    for key in band_keys:
        tag = hashlib.blake2b(key.encode(), digest_size=TAG_BYTES, person=b"nb-bucket").digest()
        shard = f"{int.from_bytes(tag, 'big') % BUCKET_SHARDS:04x}"
        shards[shard] = shards.get(shard, b"") + tag
    return shards


class FingerprintFn(beam.DoFn):
    """A document → its band filings (per shard), its fingerprint for Candidates and for Verify,
    and the document itself for Assign (main output). A warm-up document is filed and judged like
    any other (later documents must find it); only its NewDocument is marked (records.WARM_UP), so
    that its decision writes nothing."""

    def __init__(self) -> None:
        self._docs = Metrics.counter(NAMESPACE, "dedup_docs")

    def process(self, doc: dict, timestamp=beam.DoFn.TimestampParam):
        self._docs.inc()
        fp = fingerprint(doc)
        data = fp.to_bytes()
        arrival_s = -(-(timestamp.micros // 1000) // 1000)  # rounded up: kept a little longer, never expired early
        for shard_filing in BandFiling.encode_per_shard(bucket_tags(fp.band_keys), fp.event_time_ms, arrival_s,
                                                        fp.page_id):
            yield pvalue.TaggedOutput("bands", shard_filing)
        yield pvalue.TaggedOutput("own", (fp.page_id, OwnFingerprint(data).encode()))
        yield pvalue.TaggedOutput("prober", (fp.page_id, NewcomerFingerprint(data).encode()))
        new = NewDocument(fp.event_time_ms, Document.from_dict(doc)).encode()
        yield (fp.page_id, mark_warm_up(new) if doc.get(REPLAYED_ARTICLE_KEY) else new)


class BucketsFn(beam.DoFn):
    """Keyed by bucket shard: residents (band tag, event time, arrival s, page_id) of the bands in
    the shard; tells a newcomer which residents within the horizon share one of its bands (its
    Candidates key collects them over all its shards)."""

    ENTRIES = BagStateSpec("entries", coders.BytesCoder())          # BucketEntry
    NEXT_EXPIRY = ReadModifyWriteStateSpec("next_expiry", coders.BytesCoder())  # Deadline: the pending sweep
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, horizon_ms: int, delay_ms: int, expire: bool = True) -> None:
        self._horizon_ms = horizon_ms
        self._keep_ms = horizon_ms + delay_ms
        self._expire = expire
        self._meter = StateMeter()
        self._index: dict[str, dict[bytes, list[bytes]]] = {}
        self._indexed = 0

    def start_bundle(self) -> None:
        # Keyed state is this instance's only within a bundle: another bundle may follow a restore,
        # a retry or another worker's changes, so the index starts over.
        self._index, self._indexed = {}, 0

    def _shard_index(self, shard: str, entries: Any) -> dict[bytes, list[bytes]]:
        """The shard's entries by band tag: its bag is read once per bundle, not on every filing.
        A bounded run handles a step's input in one bundle, where scanning the whole shard per
        filing made the cost per document grow with the feed."""
        index = self._index.get(shard)
        if index is None:
            if self._indexed > _INDEXED_LIMIT:
                self._index, self._indexed = {}, 0
            index = {}
            for entry in entries.read():
                index.setdefault(BucketEntry.tag_of(entry), []).append(entry)
                self._indexed += 1
            self._index[shard] = index
        return index

    def process(self, element, entries=beam.DoFn.StateParam(ENTRIES),
                next_expiry=beam.DoFn.StateParam(NEXT_EXPIRY), expire=beam.DoFn.TimerParam(EXPIRE)):
        filing = BandFiling.decode(element[1])
        tags = filing.tags
        mine = {tags[i:i + TAG_BYTES] for i in range(0, len(tags), TAG_BYTES)}
        index = self._shard_index(element[0], entries)
        residents = set()
        for tag in mine:
            for entry in index.get(tag, ()):
                other = BucketEntry.decode(entry)
                if other.page_id == filing.page_id:
                    return ()  # the same document again (a replay): already filed and probed
                residents.add((other.page_id, other.event_time_ms))
        for tag, entry in zip(sorted(mine), BucketEntry.encode_all(filing, sorted(mine)), strict=True):
            entries.add(self._meter.held(entry))
            index.setdefault(tag, []).append(entry)
            self._indexed += 1
        if self._expire and next_expiry.read() is None:
            self._arm(filing.arrival_s * 1000 + self._keep_ms, next_expiry, expire)
        t = filing.event_time_ms
        near = tuple(sorted({other for other, t_other in residents if abs(t - t_other) <= self._horizon_ms}))
        return [(filing.page_id, Residents(near).encode())] if near else []

    @staticmethod
    def _arm(at_ms: int, next_expiry: Any, expire: Any) -> None:
        next_expiry.write(Deadline(at_ms * 1000).encode())
        expire.set(Timestamp(micros=at_ms * 1000))

    @on_timer(EXPIRE)
    def on_expire(self, fired=beam.DoFn.TimestampParam, entries=beam.DoFn.StateParam(ENTRIES),
                  next_expiry=beam.DoFn.StateParam(NEXT_EXPIRY), expire=beam.DoFn.TimerParam(EXPIRE)):
        # One timer per shard, at its oldest entry's expiry (entries filed out of order may stay a
        # little longer, never less). Rewriting a shard costs its size, so after a sweep the next
        # one waits at least an eighth of the horizon: entries outlive it by at most that much.
        fired_ms = fired.micros // 1000
        self._index, self._indexed = {}, 0  # the sweep rewrites a shard this bundle may have indexed
        arrivals = [(BucketEntry.arrival_s_of(e) * 1000, e) for e in entries.read()]
        alive = [(arrival, e) for arrival, e in arrivals if arrival + self._keep_ms > fired_ms]
        entries.clear()
        for _, entry in alive:
            entries.add(entry)
        if alive:
            oldest_ms = min(arrival for arrival, _ in alive)
            self._arm(max(oldest_ms + self._keep_ms, fired_ms + self._keep_ms // 8), next_expiry, expire)
        else:
            next_expiry.clear()


class CandidatesFn(beam.DoFn):
    """Keyed by the newcomer's page_id: sends its fingerprint once to each distinct resident it
    shares a band with, not once per shared band (a teaser repeated on hundreds of pages shares
    several title bands with each copy). State lives until the newcomer's decision (its band
    messages all come before that)."""

    CELL = ReadModifyWriteStateSpec("candidates", coders.BytesCoder())  # CandidatesState
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)
    _TAKES = decoder(NewcomerFingerprint, Residents)

    def __init__(self, delay_ms: int, expire: bool = True) -> None:
        self._delay_ms = delay_ms
        self._expire = expire
        self._meter = StateMeter()

    def process(self, element, timestamp=beam.DoFn.TimestampParam, state=beam.DoFn.StateParam(CELL),
                expire=beam.DoFn.TimerParam(EXPIRE)):
        pid, data = element
        message = decode_one(self._TAKES, data, "Candidates")
        cell = ValueCell(state, self._meter, "transient", pid)
        fp, sent, waiting = cell.load(CandidatesState.decode, CandidatesState(None, set(), []))
        if type(message) is NewcomerFingerprint:
            if fp is not None:
                return
            if self._expire:
                expire.set(expire_at(timestamp, self._delay_ms))
            fp, new, waiting = message.fingerprint, waiting, []
        else:
            new = [r for r in message.page_ids if r not in sent and r not in waiting]
            if not new:
                return
            if fp is None:  # the residents came first: wait for the fingerprint
                waiting = waiting + new
                new = []
        sent.update(new)
        cell.store(CandidatesState(fp, sent, waiting))
        if new:
            probe = Probe(fp).encode()
            for resident in new:
                yield (resident, probe)

    @on_timer(EXPIRE)
    def on_expire(self, state=beam.DoFn.StateParam(CELL)):
        state.clear()


class VerifyFn(ExpiringState):
    """Keyed by page_id: holds the document's own fingerprint; judges each probe against it and
    sends the edge (senior, label, score) to the junior document's Assign key."""

    OWN = ReadModifyWriteStateSpec("verify", coders.BytesCoder())  # VerifyState
    PENDING = BagStateSpec("pending", coders.BytesCoder())         # Probe, as it came
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)
    _TAKES = decoder(OwnFingerprint, Probe)

    def start_bundle(self) -> None:
        # A resident is probed by many newcomers and a newcomer probes many residents: decode each
        # fingerprint once per bundle (a pure function of the bytes). Candidates already sends
        # each pair once.
        self._decoded: dict[bytes, Fingerprint] = {}

    def _fingerprint(self, data: bytes) -> Fingerprint:
        fp = self._decoded.get(data)
        if fp is None:
            if len(self._decoded) >= _DECODED_LIMIT:
                self._decoded.clear()
            fp = self._decoded[data] = Fingerprint.from_bytes(data)
        return fp

    def process(self, element, timestamp=beam.DoFn.TimestampParam, state=beam.DoFn.StateParam(OWN),
                pending=beam.DoFn.StateParam(PENDING), expire=beam.DoFn.TimerParam(EXPIRE)):
        pid, data = element
        message = decode_one(self._TAKES, data, "Verify")
        cell = ValueCell(state, self._meter, "held", pid)
        current = cell.load(VerifyState.decode, None)
        # own: None (nothing yet), b"" (probes parked) or the fingerprint
        own, deadline = (current.fingerprint, current.deadline) if current is not None else (None, None)
        moved = self._deadline(timestamp, deadline, expire)
        is_probe = type(message) is Probe
        if not is_probe and not own:
            cell.store(VerifyState(message.fingerprint, moved))
            if own is not None:  # only read the bag when something was parked: a read is a round trip
                mine = self._fingerprint(message.fingerprint)
                for parked in pending.read():
                    yield from self._judge(mine, self._fingerprint(Probe.decode(parked).fingerprint))
                pending.clear()
            return
        if is_probe and not own:  # parked until the resident's own fingerprint comes
            pending.add(self._meter.transient(data))
            cell.store(VerifyState(b"", moved))
            return
        if moved != deadline:
            cell.store(VerifyState(own, moved))
        if is_probe:
            yield from self._judge(self._fingerprint(own), self._fingerprint(message.fingerprint))

    @staticmethod
    def _judge(a: Fingerprint, b: Fingerprint) -> Iterator[tuple[str, bytes]]:
        senior, junior = (a, b) if seniority(a) < seniority(b) else (b, a)
        decision = explain(senior, junior)
        if decision.label is not None:
            edge = Edge(senior.event_time_ms, senior.page_id, decision.label, decision.score, decision.rule)
            yield (junior.page_id, edge.encode())

    @on_timer(EXPIRE)
    def on_expire(self, state=beam.DoFn.StateParam(OWN), pending=beam.DoFn.StateParam(PENDING)):
        state.clear()
        pending.clear()
