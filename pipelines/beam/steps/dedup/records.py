"""What the dedup steps send each other and keep in their state cells, as named records with
explicit byte layouts (building blocks in codec.py).

Each record's first byte is its FORMAT: the record type and its layout version in one byte, unique
among these records, so a message reaching the wrong step or a cell written by another layout is
refused (codec.FormatError), never misread. Changing a layout means a new, unused FORMAT byte;
for a state cell it also breaks savepoints (layout.py lists them; its test says what to do).

Messages (key → record), in the order of the DAG in transform.py:

  Fingerprint → Index         partition    IndexProbe (one to every partition)
  Fingerprint → Assign        page_id      NewDocument
  Index → Assign              page_id      Report (final), Edge (early firing only)
  Assign → Stories            story_id     Member, FounderJoined, ProvisionalMember, Withdraw
  Assign → ResolveLinks       page_id      OwnStory, Pair, Item
  links → FirstLinkOnly       link key     LinkMessage

A message may come in the one-byte WARM_UP envelope (`mark_warm_up`): it was triggered by a warm-up
document, re-read after a restart only to rebuild the state (REPLAYED_ARTICLE_KEY). Fingerprint
wraps the NewDocument of such a document and Assign every message its decision sends; a link it
triggers travels marked in its dict (`warm_up_link`), which stories.keyed_link turns into the
envelope. A step takes a marked message into its state as usual and writes nothing it triggers.

Cell values: ResidentEntry, PendingProbe, IndexMark, Deadline, StoryState, PendingState,
ProvisionalChoice, ResolveState; the
bags of parked messages (Assign's reports and edges, ResolveLinks' pairs and items) and
Assign's document cell keep the message as it arrived (with its WARM_UP envelope, if any).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from pipelines.beam.steps.dedup.codec import (
    F64,
    I64,
    U16,
    U32,
    FormatError,
    check_format,
    pack_id,
    pack_optional_int,
    pack_optional_text,
    pack_short_text,
    pack_text,
    pack_value,
    read_id,
    read_optional_int,
    read_optional_text,
    read_short_text,
    read_text,
    read_value,
)
from pipelines.core.dead_letters import REPLAYED_ARTICLE_KEY
from pipelines.core.dedup.stories import FINAL

TAG_BYTES = 8  # a link's tag in ResolveLinks' state (ResolveState.linked)

# ---------------------------------------------------------------------------------------------
# Documents: the fields a story record needs of a member, plus what an item of a related-news
# block carries (the page it came from and its index there).

# The fields of an article that a story keeps of its canonical member (and `dedup_docs` of an article).
MEMBER_FIELDS = ("page_id", "url", "canonical_url", "source", "title", "lead", "body", "language",
                 "language_confidence", "published_at", "fetched_at")
# MEMBER_FIELDS first, in the same order (Document.member relies on it).
DOCUMENT_FIELDS = ("page_id", "url", "canonical_url", "source", "title", "lead", "body", "language",
                   "language_confidence", "published_at", "fetched_at", "parent", "item_index")


class Document(NamedTuple):
    """A dedup document (an article or one of its related-news items). Fields keep the type they
    came with (tagged values), so a story record reads them back exactly."""

    page_id: str
    url: Any
    canonical_url: Any
    source: Any
    title: Any
    lead: Any
    body: Any
    language: Any
    language_confidence: Any
    published_at: Any
    fetched_at: Any
    parent: Any          # page_id of the page whose related-news block holds this item; None for articles
    item_index: Any      # the item's position in that block; None for articles

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Document:
        return cls(*(doc.get(name) for name in DOCUMENT_FIELDS))

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(DOCUMENT_FIELDS, self, strict=True))

    def member(self) -> dict[str, Any]:
        """The fields a story keeps of its canonical member (MEMBER_FIELDS, which lead DOCUMENT_FIELDS)."""
        return dict(zip(MEMBER_FIELDS, self, strict=False))


def _pack_document(doc: Document) -> bytes:
    return b"".join([pack_id(doc.page_id), *map(pack_value, doc[1:])])


def _read_document(data: bytes, pos: int) -> tuple[Document, int]:
    page_id, pos = read_id(data, pos)
    values = [page_id]
    for _ in range(len(DOCUMENT_FIELDS) - 1):
        value, pos = read_value(data, pos)
        values.append(value)
    return Document(*values), pos


# ---------------------------------------------------------------------------------------------
# Messages

_EDGE = struct.Struct(">Bqd")  # format, senior's event time (ms), score


class Edge(NamedTuple):
    """A senior document judged a duplicate of the junior or related to it, for the junior's Assign
    key: inside a Report (final), or alone from an Index partition's early judging. Layout: format,
    senior event time (i64 ms), score (f64), senior page id, label, rule (short texts)."""

    senior_time_ms: int
    senior: str
    label: str
    score: float
    rule: str

    FORMAT = 0x26

    def encode(self) -> bytes:
        return (_EDGE.pack(self.FORMAT, self.senior_time_ms, self.score) + pack_id(self.senior)
                + pack_short_text(self.label) + pack_short_text(self.rule))

    @classmethod
    def decode(cls, data: bytes) -> Edge:
        check_format(data, cls.FORMAT, cls.__name__)
        _, t, score = _EDGE.unpack_from(data)
        senior, pos = read_id(data, _EDGE.size)
        label, pos = read_short_text(data, pos)
        rule, _ = read_short_text(data, pos)
        return cls(t, senior, label, score, rule)


_PROBE = struct.Struct(">BIH")  # format, arrival (s), number of band tags
_TAG = struct.Struct(">Q")


class IndexProbe(NamedTuple):
    """Fingerprint → every Index partition: a newcomer, to be judged against the partition's
    residents (and filed in its home partition). Layout: format, arrival (u32 s, rounded up; for
    expiry only), tag count (u16), its band tags (u64 each, sorted), the fingerprint's bytes to
    the end. The tags travel with it so that a partition finds candidates without decoding it."""

    arrival_s: int
    tags: tuple[int, ...]
    fingerprint: bytes  # Fingerprint.to_bytes(): versioned by pipelines.core.dedup.signature.FORMAT

    FORMAT = 0x31

    def encode(self) -> bytes:
        return (_PROBE.pack(self.FORMAT, self.arrival_s, len(self.tags))
                + struct.pack(f">{len(self.tags)}Q", *self.tags) + self.fingerprint)

    @classmethod
    def decode(cls, data: bytes) -> IndexProbe:
        check_format(data, cls.FORMAT, cls.__name__)
        _, arrival_s, count = _PROBE.unpack_from(data)
        end = _PROBE.size + count * _TAG.size
        return cls(arrival_s, struct.unpack_from(f">{count}Q", data, _PROBE.size), data[end:])


_REPORT = struct.Struct(">BHH")  # format, partition, number of edges


class Report(NamedTuple):
    """An Index partition → the newcomer's Assign key, once the watermark has passed the newcomer's
    time plus the allowed lateness: the partition's senior residents within the horizon that were
    judged a duplicate of it or related to it (maybe none). Assign decides when every partition
    has reported. Layout: format, partition (u16), edge count (u16), each Edge as u16 length +
    its bytes."""

    partition: int
    edges: tuple[Edge, ...]

    FORMAT = 0x32

    def encode(self) -> bytes:
        return _pack_report(self.FORMAT, self.partition, self.edges)

    @classmethod
    def decode(cls, data: bytes) -> Report:
        check_format(data, cls.FORMAT, cls.__name__)
        return cls(*_read_report(data))


class EarlyReport(NamedTuple):
    """An Index partition → the newcomer's Assign key, on the newcomer's arrival (streaming, early
    firing): the residents the partition had then that were judged a duplicate of it or related
    to it, seniors only (maybe none). Assign fires early once every partition has sent one.
    Layout: as Report, with its own format byte."""

    partition: int
    edges: tuple[Edge, ...]

    FORMAT = 0x33

    def encode(self) -> bytes:
        return _pack_report(self.FORMAT, self.partition, self.edges)

    @classmethod
    def decode(cls, data: bytes) -> EarlyReport:
        check_format(data, cls.FORMAT, cls.__name__)
        return cls(*_read_report(data))


def _pack_report(form: int, partition: int, edges: tuple[Edge, ...]) -> bytes:
    parts = [_REPORT.pack(form, partition, len(edges))]
    for edge in edges:
        data = edge.encode()
        parts += (U16.pack(len(data)), data)
    return b"".join(parts)


def _read_report(data: bytes) -> tuple[int, tuple[Edge, ...]]:
    _, partition, count = _REPORT.unpack_from(data)
    pos, edges = _REPORT.size, []
    for _ in range(count):
        (length,) = U16.unpack_from(data, pos)
        edges.append(Edge.decode(data[pos + 2:pos + 2 + length]))
        pos += 2 + length
    return partition, tuple(edges)


_TIMED = struct.Struct(">Bq")  # format, a time (ms)


class NewDocument(NamedTuple):
    """Fingerprint → Assign: the document to decide, at its event time. Layout: format, event
    time (i64 ms), the document."""

    event_time_ms: int
    document: Document

    FORMAT = 0x27

    def encode(self) -> bytes:
        return _TIMED.pack(self.FORMAT, self.event_time_ms) + _pack_document(self.document)

    @classmethod
    def decode(cls, data: bytes) -> NewDocument:
        check_format(data, cls.FORMAT, cls.__name__)
        return cls(_TIMED.unpack_from(data)[1], _read_document(data, _TIMED.size)[0])


class FounderJoined(NamedTuple):
    """Assign → Stories (key: the story the document would have founded): its founder joined the
    older story `into`, so this one is merged into it. Layout: format, score (f64), rule (short
    text), into, joined, founder (ids)."""

    into: str
    score: float
    rule: str
    joined: str   # the senior document the founder is a duplicate of (the founder of `into`)
    founder: str  # the document that founded the story this message is keyed by

    FORMAT = 0x28

    def encode(self) -> bytes:
        return bytes((self.FORMAT,)) + _pack_joined(self)

    @classmethod
    def decode(cls, data: bytes) -> FounderJoined:
        check_format(data, cls.FORMAT, cls.__name__)
        return _read_joined(data, 1)[0]


def _pack_joined(joined: FounderJoined) -> bytes:
    return (F64.pack(joined.score) + pack_short_text(joined.rule) + pack_id(joined.into) + pack_id(joined.joined)
            + pack_id(joined.founder))


def _read_joined(data: bytes, pos: int) -> tuple[FounderJoined, int]:
    (score,) = F64.unpack_from(data, pos)
    rule, pos = read_short_text(data, pos + 8)
    into, pos = read_id(data, pos)
    joined, pos = read_id(data, pos)
    founder, pos = read_id(data, pos)
    return FounderJoined(into, score, rule, joined, founder), pos


class Member(NamedTuple):
    """Assign → Stories: a document joins the story. Layout: format, the document."""

    document: Document

    FORMAT = 0x29

    def encode(self) -> bytes:
        return bytes((self.FORMAT,)) + _pack_document(self.document)

    @classmethod
    def decode(cls, data: bytes) -> Member:
        check_format(data, cls.FORMAT, cls.__name__)
        return cls(_read_document(data, 1)[0])


class ProvisionalMember(NamedTuple):
    """Assign → Stories: the story a document joins as decided at its arrival (early firing), before
    its final Member or Withdraw message. Layout: format, the document."""

    document: Document

    FORMAT = 0x2E

    def encode(self) -> bytes:
        return bytes((self.FORMAT,)) + _pack_document(self.document)

    @classmethod
    def decode(cls, data: bytes) -> ProvisionalMember:
        check_format(data, cls.FORMAT, cls.__name__)
        return cls(_read_document(data, 1)[0])


class Withdraw(NamedTuple):
    """Assign → Stories (key: the story a document joined provisionally): the final decision put it
    in another story. Layout: format, when the document was seen (i64 ms), its page id."""

    seen_at: int
    page_id: str

    FORMAT = 0x2F

    def encode(self) -> bytes:
        return _TIMED.pack(self.FORMAT, self.seen_at) + pack_id(self.page_id)

    @classmethod
    def decode(cls, data: bytes) -> Withdraw:
        check_format(data, cls.FORMAT, cls.__name__)
        return cls(_TIMED.unpack_from(data)[1], read_id(data, _TIMED.size)[0])


class OwnStory(NamedTuple):
    """Assign → ResolveLinks (key: page_id): the page's story and its founder's seniority rank.
    Layout: format, founder event time (i64 ms), story id, founder page id."""

    story: str
    founder_time_ms: int
    founder: str

    FORMAT = 0x2A

    def encode(self) -> bytes:
        return _TIMED.pack(self.FORMAT, self.founder_time_ms) + pack_id(self.story) + pack_id(self.founder)

    @classmethod
    def decode(cls, data: bytes) -> OwnStory:
        check_format(data, cls.FORMAT, cls.__name__)
        story, pos = read_id(data, _TIMED.size)
        return cls(story, _TIMED.unpack_from(data)[1], read_id(data, pos)[0])


_PAIR = struct.Struct(">Bqqd")  # format, founder event time, junior event time (ms), score


class Pair(NamedTuple):
    """Assign → the senior page's ResolveLinks key: a junior document it was judged against, with
    the junior's story and that story's founder rank. Layout: format, founder time and junior
    time (i64 ms), score (f64), story, founder, junior (ids), label, rule (short texts)."""

    story: str
    founder_time_ms: int
    founder: str
    junior: str
    junior_time_ms: int
    label: str
    score: float
    rule: str

    FORMAT = 0x2B

    def encode(self) -> bytes:
        return (_PAIR.pack(self.FORMAT, self.founder_time_ms, self.junior_time_ms, self.score)
                + pack_id(self.story) + pack_id(self.founder) + pack_id(self.junior)
                + pack_short_text(self.label) + pack_short_text(self.rule))

    @classmethod
    def decode(cls, data: bytes) -> Pair:
        check_format(data, cls.FORMAT, cls.__name__)
        _, founder_t, junior_t, score = _PAIR.unpack_from(data)
        story, pos = read_id(data, _PAIR.size)
        founder, pos = read_id(data, pos)
        junior, pos = read_id(data, pos)
        label, pos = read_short_text(data, pos)
        rule, _ = read_short_text(data, pos)
        return cls(story, founder_t, founder, junior, junior_t, label, score, rule)


class Item(NamedTuple):
    """Assign → the parent page's ResolveLinks key: one of its related-news items and the story
    the item resolved to. Layout: format, story id, the item's document."""

    story: str
    document: Document

    FORMAT = 0x2C

    def encode(self) -> bytes:
        return bytes((self.FORMAT,)) + pack_id(self.story) + _pack_document(self.document)

    @classmethod
    def decode(cls, data: bytes) -> Item:
        check_format(data, cls.FORMAT, cls.__name__)
        story, pos = read_id(data, 1)
        return cls(story, _read_document(data, pos)[0])


_LINK = struct.Struct(">Bdq")  # format, score, observed_at (ms)


class LinkMessage(NamedTuple):
    """A StoryLink record on its way to FirstLinkOnly; fields in the schema's order, so
    `as_dict()` is the record the steps made. Layout: format, score (f64), observed_at (i64),
    from_story (id), type (short text), to_story, to_url, to_title (optional texts), evidence."""

    from_story: str
    to_story: str | None
    to_url: str | None
    to_title: str | None
    type: str
    score: float
    observed_at: int
    evidence: str

    FORMAT = 0x2D

    @classmethod
    def from_dict(cls, link: Mapping[str, Any]) -> LinkMessage:
        return cls(link["from_story"], link["to_story"], link["to_url"], link["to_title"], link["type"],
                   link["score"], link["observed_at"], link["evidence"])

    def as_dict(self) -> dict[str, Any]:
        return {**self._asdict(), "status": FINAL}  # only final links go through FirstLinkOnly

    def encode(self) -> bytes:
        return (_LINK.pack(self.FORMAT, self.score, self.observed_at) + pack_id(self.from_story)
                + pack_short_text(self.type) + pack_optional_text(self.to_story) + pack_optional_text(self.to_url)
                + pack_optional_text(self.to_title) + pack_text(self.evidence))

    @classmethod
    def decode(cls, data: bytes) -> LinkMessage:
        check_format(data, cls.FORMAT, cls.__name__)
        _, score, observed_at = _LINK.unpack_from(data)
        from_story, pos = read_id(data, _LINK.size)
        kind, pos = read_short_text(data, pos)
        to_story, pos = read_optional_text(data, pos)
        to_url, pos = read_optional_text(data, pos)
        to_title, pos = read_optional_text(data, pos)
        evidence, _ = read_text(data, pos)
        return cls(from_story, to_story, to_url, to_title, kind, score, observed_at, evidence)


# ---------------------------------------------------------------------------------------------
# The warm-up envelope: one byte before a message's own (its FORMAT byte follows), not a record.

WARM_UP = 0x30  # no record's FORMAT (tests/test_dedup_warm_up.py checks)
_WARM_UP = bytes((WARM_UP,))


def mark_warm_up(data: bytes) -> bytes:
    """An encoded message, marked as triggered by a warm-up document: its outputs were written before
    the restart, so the step it goes to takes it into its state and writes nothing it triggers."""
    return _WARM_UP + data


def split_warm_up(data: bytes) -> tuple[bool, bytes]:
    """(whether `data` is marked warm-up, the message inside). Unwraps once: a message marked twice
    still starts with WARM_UP, which no step decodes (decode_one refuses it)."""
    if data[:1] == _WARM_UP:
        return True, data[1:]
    return False, data


def warm_up_link(link: Mapping[str, Any]) -> dict[str, Any]:
    """A link triggered by a warm-up document, marked by the article's private key: keyed_link puts
    it in the WARM_UP envelope, and FirstLinkOnly writes LinkMessage fields only, never the key."""
    return {**link, REPLAYED_ARTICLE_KEY: True}


def decoder(*records: type) -> dict[int, Any]:
    """FORMAT byte → decode, for a step that takes several kinds of message (see `decode_one`)."""
    return {record.FORMAT: record.decode for record in records}


def decode_one(decoders: Mapping[int, Any], data: bytes, step: str) -> Any:
    """The message `data` holds, if it is one that `step` takes; else a loud FormatError."""
    decode = decoders.get(data[0]) if data else None
    if decode is None:
        found = f"0x{data[0]:02x}" if data else "nothing"
        takes = ", ".join(f"0x{byte:02x}" for byte in sorted(decoders))
        raise FormatError(f"a message to {step}: format byte {found}, this code reads {takes}; state from "
                          "another dedup layout cannot be restored (start the streaming job fresh)")
    return decode(data)


# ---------------------------------------------------------------------------------------------
# State cell values

_RESIDENT = struct.Struct(">BI")  # format, arrival (s)


class ResidentEntry(NamedTuple):
    """One element of an Index partition's `residents` bag: a document filed in its home partition.
    Layout: format, arrival (u32 s), the fingerprint's bytes to the end (its band tags and page id
    are recomputed from them when a partition's index is rebuilt)."""

    arrival_s: int
    fingerprint: bytes

    FORMAT = 0x49

    def encode(self) -> bytes:
        return _RESIDENT.pack(self.FORMAT, self.arrival_s) + self.fingerprint

    @classmethod
    def decode(cls, data: bytes) -> ResidentEntry:
        check_format(data, cls.FORMAT, cls.__name__)
        return cls(_RESIDENT.unpack_from(data)[1], data[_RESIDENT.size:])


class PendingProbe(NamedTuple):
    """One element of an Index partition's `pending` bag: a newcomer waiting for the watermark to
    pass its deadline (its time plus the allowed lateness, µs). Layout: format, deadline (i64 µs),
    the IndexProbe as it came."""

    deadline_us: int
    probe: bytes

    FORMAT = 0x4A

    def encode(self) -> bytes:
        return _TIMED.pack(self.FORMAT, self.deadline_us) + self.probe

    @classmethod
    def decode(cls, data: bytes) -> PendingProbe:
        check_format(data, cls.FORMAT, cls.__name__)
        return cls(_TIMED.unpack_from(data)[1], data[_TIMED.size:])


_MARK = struct.Struct(">B16sQqqI")  # format, instance, bundle, judged through, next sweep, stale


class IndexMark(NamedTuple):
    """An Index partition's `mark` cell: which in-memory copy of the partition is current, and its
    bookkeeping. `instance` and `bundle` name the DoFn instance and bundle that last changed the
    partition: an instance uses its in-memory index only while the cell still names it, so a
    restore, a retried bundle or another worker's change makes it rebuild from the bags.
    `judged_through_us`: pending probes with a deadline up to this instant were judged (their bag
    entries are dropped at the next compaction); `sweep_us`: the armed expiry sweep (-1: none);
    `stale`: judged entries still in the pending bag. Layout: format, 16-byte instance, u64
    bundle, two i64 µs, u32."""

    instance: bytes
    bundle: int
    judged_through_us: int
    sweep_us: int
    stale: int

    FORMAT = 0x4B

    def encode(self) -> bytes:
        return _MARK.pack(self.FORMAT, self.instance, self.bundle, self.judged_through_us, self.sweep_us,
                          self.stale)

    @classmethod
    def decode(cls, data: bytes) -> IndexMark:
        check_format(data, cls.FORMAT, cls.__name__)
        return cls(*_MARK.unpack_from(data)[1:])


class Deadline(NamedTuple):
    """A single instant in a cell (µs since the epoch): FirstLinkOnly's
    expiry (0 without expiry; present means the link was seen). Layout: format, i64."""

    micros: int

    FORMAT = 0x42

    def encode(self) -> bytes:
        return bytes((self.FORMAT,)) + I64.pack(self.micros)

    @classmethod
    def decode(cls, data: bytes) -> Deadline:
        check_format(data, cls.FORMAT, cls.__name__)
        return cls(I64.unpack_from(data, 1)[0])


class StoryState(NamedTuple):
    """Stories' cell (key: story_id): every member as the few fields a story record lists, the
    canonical member in full, the merge when the story's founder joined another, the deadline.
    Layout: format, optional deadline, merge (flag, then FounderJoined's fields), canonical member
    (flag, then a document), member count (u32), members (id, url, source, seen at, language,
    event time)."""

    members: list[dict[str, Any]]
    best: dict[str, Any] | None
    joined: FounderJoined | None
    deadline: int | None

    FORMAT = 0x45

    def encode(self) -> bytes:
        parts = [bytes((self.FORMAT,)), pack_optional_int(self.deadline)]
        parts.append(b"\x00" if self.joined is None else b"\x01" + _pack_joined(self.joined))
        parts.append(b"\x00" if self.best is None else b"\x01" + _pack_document(Document.from_dict(self.best)))
        parts.append(U32.pack(len(self.members)))
        for m in self.members:
            parts += (pack_id(m["page_id"]), pack_text(m["url"]), pack_value(m["source"]),
                      I64.pack(m["fetched_at"]), pack_value(m["language"]), I64.pack(m["event_time"]))
        return b"".join(parts)

    @classmethod
    def decode(cls, data: bytes) -> StoryState:
        check_format(data, cls.FORMAT, cls.__name__)
        deadline, pos = read_optional_int(data, 1)
        joined = None
        if data[pos]:
            joined, pos = _read_joined(data, pos + 1)
        else:
            pos += 1
        best = None
        if data[pos]:
            document, pos = _read_document(data, pos + 1)
            best = document.member()
        else:
            pos += 1
        (count,) = U32.unpack_from(data, pos)
        pos += 4
        members = []
        for _ in range(count):
            page_id, pos = read_id(data, pos)
            url, pos = read_text(data, pos)
            source, pos = read_value(data, pos)
            (fetched_at,) = I64.unpack_from(data, pos)
            language, pos = read_value(data, pos + 8)
            (event_time,) = I64.unpack_from(data, pos)
            pos += 8
            members.append({"page_id": page_id, "url": url, "source": source, "fetched_at": fetched_at,
                            "language": language, "event_time": event_time})
        return cls(members, best, joined, deadline)


class PendingState(NamedTuple):
    """Stories' cell of provisional members (key: story_id): the documents that joined at arrival and
    are not yet decided, and the page ids already withdrawn (so a provisional message that comes
    after its own withdrawal is not taken). Layout: format, document count (u32), documents,
    withdrawn ids (id list)."""

    documents: list[Document]
    withdrawn: list[str]

    FORMAT = 0x47

    def encode(self) -> bytes:
        return b"".join([bytes((self.FORMAT,)), U32.pack(len(self.documents)),
                         *map(_pack_document, self.documents), _pack_ids(self.withdrawn)])

    @classmethod
    def decode(cls, data: bytes) -> PendingState:
        check_format(data, cls.FORMAT, cls.__name__)
        (count,) = U32.unpack_from(data, 1)
        pos = 5
        documents = []
        for _ in range(count):
            document, pos = _read_document(data, pos)
            documents.append(document)
        return cls(documents, _read_ids(data, pos)[0])


_CHOICE = struct.Struct(">Bqd")  # format, founder's event time (ms), score


class ProvisionalChoice(NamedTuple):
    """Assign's cell (key: page_id): the story the document joined at arrival, its founder (the
    document itself when no duplicate was known yet) and the pair that chose it, so that a more
    senior duplicate arriving later can move it and the final decision can withdraw it. Layout:
    format, founder event time (i64 ms), score (f64), story, founder (ids), rule (short text)."""

    story: str
    founder_time_ms: int
    founder: str
    score: float
    rule: str

    FORMAT = 0x48

    def encode(self) -> bytes:
        return (_CHOICE.pack(self.FORMAT, self.founder_time_ms, self.score) + pack_id(self.story)
                + pack_id(self.founder) + pack_short_text(self.rule))

    @classmethod
    def decode(cls, data: bytes) -> ProvisionalChoice:
        check_format(data, cls.FORMAT, cls.__name__)
        _, founder_time_ms, score = _CHOICE.unpack_from(data)
        story, pos = read_id(data, _CHOICE.size)
        founder, pos = read_id(data, pos)
        return cls(story, founder_time_ms, founder, score, read_short_text(data, pos)[0])


class ResolveState(NamedTuple):
    """ResolveLinks' cell (key: page_id): the page's story and founder rank once known, the
    stories it has linked (8-byte tags), whether pairs or items are parked in the `waiting` bag,
    the deadline. Layout: format, optional deadline, parked (u8), story (flag, then founder time
    i64 ms, story id, founder id), linked count (u32), tags."""

    story: str | None
    founder_time_ms: int
    founder: str
    linked: set[bytes]
    parked: bool
    deadline: int | None

    FORMAT = 0x46

    def encode(self) -> bytes:
        parts = [bytes((self.FORMAT,)), pack_optional_int(self.deadline), b"\x01" if self.parked else b"\x00"]
        if self.story is None:
            parts.append(b"\x00")
        else:
            parts += (b"\x01", I64.pack(self.founder_time_ms), pack_id(self.story), pack_id(self.founder))
        parts += (U32.pack(len(self.linked)), *sorted(self.linked))
        return b"".join(parts)

    @classmethod
    def decode(cls, data: bytes) -> ResolveState:
        check_format(data, cls.FORMAT, cls.__name__)
        deadline, pos = read_optional_int(data, 1)
        parked = data[pos] == 1
        story, founder_time_ms, founder = None, 0, ""
        if data[pos + 1]:
            (founder_time_ms,) = I64.unpack_from(data, pos + 2)
            story, pos = read_id(data, pos + 10)
            founder, pos = read_id(data, pos)
        else:
            pos += 2
        (count,) = U32.unpack_from(data, pos)
        pos += 4
        linked = {data[i:i + TAG_BYTES] for i in range(pos, pos + count * TAG_BYTES, TAG_BYTES)}
        return cls(story, founder_time_ms, founder, linked, parked, deadline)


_ID_SEPARATOR = "\x1f"  # joins the ids of a list (ASCII unit separator; refused inside an id)


def _pack_ids(ids: Iterable[str]) -> bytes:
    """A list of ids. Layout: count (u32), byte length (u32), the ids' UTF-8 joined by U+001F.
    Joined and split in C."""
    ids = list(ids)
    joined = _ID_SEPARATOR.join(ids)
    if joined.count(_ID_SEPARATOR) != max(len(ids) - 1, 0):
        raise ValueError(f"an id holds U+001F, which the id-list layout uses as separator: {ids!r}")
    text = joined.encode()
    return _ID_LIST.pack(len(ids), len(text)) + text


def _read_ids(data: bytes, pos: int) -> tuple[list[str], int]:
    count, length = _ID_LIST.unpack_from(data, pos)
    start = pos + _ID_LIST.size
    end = start + length
    return (data[start:end].decode().split(_ID_SEPARATOR) if count else []), end


_ID_LIST = struct.Struct(">II")  # count, byte length
