"""Dedup records round-trip through their byte layouts, and bytes of another layout are refused."""

from __future__ import annotations

import pytest

from pipelines.beam.steps.dedup import records as r
from pipelines.beam.steps.dedup.codec import FormatError, pack_id, read_id
from pipelines.beam.steps.dedup.state import ValueCell

PID = "0123456789abcdef0123456789abcdef"
STORY = "fedcba9876543210fedcba9876543210"
ARTICLE = r.Document(PID, "https://a.example/x", "https://a.example/x", "a.example", "Tïtle ✓", "Lead", "Body " * 50,
                     "de", 0.75, 1_795_000_000_000, 1_795_000_001_000, None, None)
ITEM = r.Document("item-7", "", "", None, "Teaser", "", "", "und", 0.0, None, 1_795_000_001_000, PID, 3)
JOINED = r.FounderJoined(STORY, 0.9375, "near", PID, "Other-Id")

SAMPLES = [
    r.IndexProbe(1_795_000_001, (1, 1 << 63), b"\x02fingerprint"),
    r.IndexProbe(0, (), b""),
    r.Report(3, (r.Edge(-5, PID, "related", 0.5, "paragraph"), r.Edge(1, "copy", "duplicate", 1.0, "exact"))),
    r.Report(0, ()),
    r.EarlyReport(2, (r.Edge(7, PID, "duplicate", 0.9, "near"),)),
    r.EarlyReport(1, ()),
    r.Edge(1_795_000_000_000, PID, "duplicate", 0.8125, "exact"),
    r.NewDocument(1_795_000_000_000, ARTICLE),
    r.NewDocument(1_795_000_000_000, ITEM),
    JOINED,
    r.Member(ARTICLE),
    r.OwnStory(STORY, 1_795_000_000_000, PID),
    r.Pair(STORY, 9, "j1", PID, 5, "related", 0.5, "title"),
    r.Item(STORY, ITEM),
    r.LinkMessage(STORY, None, "https://b.example/", "Τίτλος", "similar_news", 0.0, 7, "page_id=x;item=0"),
    r.LinkMessage(STORY, STORY, None, None, "related", 0.123456, -1, ""),
    r.ResidentEntry(1_795_000_001, b"\x02fp"),
    r.PendingProbe(-1, b""),
    r.IndexMark(b"\x01" * 16, 7, -(1 << 62), 1_795_000_000_000_000, 12),
    r.Deadline(0),
    r.StoryState([], None, None, None),
    r.ResolveState(None, 0, "", set(), True, None),
    r.ResolveState(STORY, 4, PID, {b"12345678", b"abcdefgh"}, False, 99),
]


@pytest.mark.parametrize("record", SAMPLES, ids=lambda record: type(record).__name__)
def test_records_round_trip(record):
    data = record.encode()
    assert data[0] == record.FORMAT
    assert type(record).decode(data) == record
    assert type(record).decode(data).encode() == data, "an encoding is a function of the value"


def test_a_story_state_keeps_members_and_the_canonical_member_exactly():
    member = {"page_id": PID, "url": "https://a.example/x", "source": None, "fetched_at": 5, "language": "de",
              "event_time": -3}
    state = r.StoryState([member, {**member, "page_id": "p2", "source": "s"}], ARTICLE.member(), JOINED, 7)
    again = r.StoryState.decode(state.encode())
    assert again == state
    assert type(again.best["published_at"]) is int and type(again.best["language_confidence"]) is float


def test_sets_encode_in_a_stable_order():
    a = r.ResolveState(STORY, 4, PID, {b"12345678", b"abcdefgh", b"00000000"}, False, 99).encode()
    assert a == r.ResolveState(STORY, 4, PID, {b"abcdefgh", b"00000000", b"12345678"}, False, 99).encode()


def test_ids_are_compact_only_when_they_read_back_unchanged():
    assert len(pack_id(PID)) == 17
    for odd in (PID.upper(), PID[:30] + " 1", "x" * 32, "", "ü"):
        assert read_id(pack_id(odd), 0) == (odd, len(pack_id(odd)))
        assert len(pack_id(odd)) > 17 or odd in ("", "ü")


@pytest.mark.parametrize("record", SAMPLES, ids=lambda record: type(record).__name__)
def test_another_format_byte_is_refused_loudly(record):
    data = record.encode()
    with pytest.raises(FormatError, match="start the streaming job fresh"):
        type(record).decode(bytes((data[0] ^ 0x80,)) + data[1:])


def test_a_step_refuses_a_message_it_does_not_take():
    decoders = r.decoder(r.Member, r.FounderJoined)
    assert r.decode_one(decoders, JOINED.encode(), "Stories") == JOINED
    with pytest.raises(FormatError, match="a message to Stories"):
        r.decode_one(decoders, r.IndexProbe(0, (), b"x").encode(), "Stories")


def test_a_document_field_of_another_type_has_no_silent_layout():
    with pytest.raises(TypeError, match="no byte layout"):
        r.Member(ARTICLE._replace(published_at=[1])).encode()


class _State:
    def __init__(self, value: bytes | None) -> None:
        self.value, self.writes = value, 0

    def read(self):
        return self.value

    def write(self, value: bytes) -> None:
        self.value, self.writes = value, self.writes + 1


def test_a_value_cell_refuses_a_cell_of_another_layout_and_skips_unchanged_writes():
    from pipelines.beam.steps.dedup.state import StateMeter

    old_layout = _State(b"\x80\x04\x95")  # what a pickled cell of the previous layout starts with
    with pytest.raises(FormatError):
        ValueCell(old_layout, StateMeter(), "held", PID).load(r.Deadline.decode, None)
    state = _State(r.Deadline(1).encode())
    cell = ValueCell(state, StateMeter(), "held", PID)
    cell.store(cell.load(r.Deadline.decode, None))
    assert state.writes == 0
    cell.store(r.Deadline(2))
    assert state.writes == 1 and r.Deadline.decode(state.value).micros == 2


@pytest.mark.parametrize("ids", [(), (PID,), (PID, STORY), ("a" * 31, "b" * 33), (PID, "copy"), ("",), ("", ""),
                                 ("ü" * 32,), (PID.upper(),)])
def test_id_lists_round_trip_whatever_the_ids(ids):
    assert r.PendingState.decode(r.PendingState([], list(ids)).encode()) == r.PendingState([], list(ids))


def test_an_id_list_refuses_the_separator_inside_an_id():
    with pytest.raises(ValueError, match="separator"):
        r.PendingState([], ["a\x1fb"]).encode()
