"""Offsets committed only once decisions are written (core.progress, beam/steps/commit.py), and the
window a restart re-reads."""

from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.testing.test_stream import TestStream
from apache_beam.utils.timestamp import Timestamp

from pipelines.beam.steps.commit import CommitAfterDecisions, KafkaOffsets, decision_due, joined_ranges
from pipelines.core.progress import (
    STATE_LIFETIMES_REPLAYED,
    Frontier,
    ReadRange,
    ReplayWindow,
    advance,
    decode_ranges,
    replay_since_ms,
)
from pipelines.core.records import KafkaRecord

LATENESS_MS = 10_000


def test_the_frontier_moves_over_done_records_only_up_to_the_first_pending_one():
    frontier = advance(Frontier(0), [(0, 0), (1, 1), (3, 3)])
    assert frontier == Frontier(2, ((3, 3),))  # offset 2 is not done: 3 waits
    assert advance(frontier, [(2, 2)]) == Frontier(4)


def test_a_gap_in_the_offsets_is_bridged_by_where_the_reader_stood():
    # Offsets 5-7 were compacted away: the record at 8 was read from position 5.
    assert advance(Frontier(5), [(5, 8), (9, 9)]) == Frontier(10)
    assert advance(Frontier(5), [(9, 9)]) == Frontier(5, ((9, 9),))


def test_ranges_behind_the_frontier_are_dropped_and_a_frontier_inside_a_range_moves_past_it():
    # A restart re-reads from before the committed offset: those ranges are already done.
    assert advance(Frontier(10), [(3, 3), (4, 4)]) == Frontier(10)
    assert advance(Frontier(10), [(8, 12)]) == Frontier(13)


def test_a_gate_window_of_ranges_round_trips_and_a_cut_run_is_refused():
    entries = [ReadRange(0, 0, 100), ReadRange(1, 1, 200), ReadRange(2, 2, 150)]
    partition, data = joined_ranges(("3", [e.encode() for e in entries]))
    assert partition == "3" and sorted(decode_ranges(data)) == sorted(entries)
    with pytest.raises(ValueError):
        decode_ranges(data[:-1])


def test_frontier_and_range_layouts_round_trip_and_refuse_other_bytes():
    frontier = Frontier(7, ((9, 9), (11, 14)))
    assert Frontier.decode(frontier.encode()) == frontier
    entry = ReadRange(3, 5, 1_700_000_000_000)
    assert ReadRange.decode(entry.encode()) == entry
    with pytest.raises(ValueError):
        Frontier.decode(entry.encode())
    with pytest.raises(ValueError):
        ReadRange.decode(frontier.encode())


def test_a_late_record_is_due_one_lateness_after_the_watermark_it_trailed():
    on_time = KafkaRecord("t", 0, 4, None, b"", 50_000, (), 0, read_from=3)
    late = on_time._replace(offset=5, read_from=5, timestamp_ms=20_000, behind_ms=30_000)
    for record in (on_time, late):
        due = decision_due(record, LATENESS_MS)
        assert ReadRange.decode(due.value[1]).due_ms == 60_000 and due.timestamp == Timestamp.of(60)


def test_the_replay_starts_three_state_lifetimes_and_two_latenesses_before_the_oldest_partition():
    horizon, lateness = 3_600_000, 60_000
    since = replay_since_ms([10_000_000, 9_000_000], horizon, lateness)
    assert since == 9_000_000 - 2 * lateness - STATE_LIFETIMES_REPLAYED * (horizon + lateness)
    assert replay_since_ms([], horizon, lateness) is None


def test_warm_up_is_what_lies_before_the_committed_offset():
    window = ReplayWindow({0: 10, 1: 0}, {0: 25, 1: 3}, 0)
    assert window.warm_up(0, 24) and not window.warm_up(0, 25)
    assert window.warm_up(1, 2) and not window.warm_up(1, 3)
    assert not window.warm_up(2, 0)  # a partition the window does not know: nothing to skip


COMMITS: list[tuple[int, int]] = []
UNREACHABLE: list[bool] = []


class _RecordedOffsets(KafkaOffsets):
    """The group's offsets in this process (the FnApiRunner runs the DoFn here)."""

    def __init__(self, start: int) -> None:
        super().__init__("unused:0", "t", "g", {})
        self._start = start

    def committed(self, partition: int) -> int | None:
        if UNREACHABLE:  # the runner makes a new copy of the DoFn per bundle: the flag lives here
            UNREACHABLE.pop()
            raise ConnectionError("broker away")
        return self._start

    def commit(self, partition: int, offset: int) -> None:
        COMMITS.append((partition, offset))


def test_offsets_are_committed_as_the_watermark_passes_each_records_decision():
    """Records 0, 1, 3 and 4 of partition 0 (offset 2 compacted away: 3 was read from 2)."""
    COMMITS.clear()
    records = [KafkaRecord("t", 0, o, None, b"", ts, (), 0, read_from=frm)
               for o, frm, ts in [(0, 0, 1_000), (1, 1, 2_000), (3, 2, 3_000), (4, 4, 30_000)]]
    stamped = [beam.window.TimestampedValue(r, r.timestamp_ms / 1000) for r in records]
    records_in = (TestStream()
                  .advance_watermark_to(Timestamp.of(0))
                  .add_elements(stamped[:3])
                  .advance_watermark_to(Timestamp.of(40))
                  .add_elements(stamped[3:])
                  .advance_watermark_to_infinity())
    options = beam.options.pipeline_options.PipelineOptions(["--streaming"])
    with beam.Pipeline(runner="BundleBasedDirectRunner", options=options) as p:
        raw = p | "Records" >> records_in
        written = raw | "Sink" >> beam.Filter(lambda _: False)  # the job's sinks output nothing either
        _ = (raw, written) | CommitAfterDecisions(_RecordedOffsets(start=0), LATENESS_MS)
    # From the group's offset (0), one record per firing, each at its decision's time: 3 bridges
    # the compacted 2, and 4 waits until its own decision at 40 s.
    assert COMMITS == [(0, 1), (0, 2), (0, 4), (0, 5)]


def test_a_frontier_that_cannot_learn_its_start_asks_again_and_loses_nothing():
    COMMITS.clear()
    UNREACHABLE[:] = [True]
    records = [KafkaRecord("t", 0, o, None, b"", 1_000 * (o + 1), (), 0, read_from=o) for o in range(3)]
    records_in = (TestStream()
                  .advance_watermark_to(Timestamp.of(0))
                  .add_elements([beam.window.TimestampedValue(r, r.timestamp_ms / 1000) for r in records])
                  .advance_watermark_to_infinity())
    options = beam.options.pipeline_options.PipelineOptions(["--streaming"])
    with beam.Pipeline(runner="BundleBasedDirectRunner", options=options) as p:
        raw = p | "Records" >> records_in
        _ = (raw,) | CommitAfterDecisions(_RecordedOffsets(start=0), LATENESS_MS)
    assert not UNREACHABLE, "the first ask failed"
    assert COMMITS and COMMITS[-1] == (0, 3)
