"""The dedup savepoint layout (pipelines/beam/steps/dedup/layout.py) is pinned, and the code matches it."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.pipeline import PipelineVisitor
from apache_beam.transforms.userstate import TimerSpec, get_dofn_specs

from pipelines.beam.steps.dedup import DedupStories, records
from pipelines.beam.steps.dedup.layout import INDEX_PARTITIONS, SAVEPOINT_LAYOUT
from pipelines.core.dedup import signature

BREAK = ("the dedup savepoint layout changed: a streaming job cannot restore state saved before this change. "
         "If that is intended, update PINNED in tests/test_dedup_layout.py, note the break (start the job "
         "fresh) in the README's upgrade section, and log it in docs/decisions-dedup.md.")

# step label (under DedupStories) → (cell → formats (record, format byte)), timers
PINNED = {
    "Index/State": ({"residents": (("ResidentEntry", 0x49), ("Fingerprint", 2)),
                     "pending": (("PendingProbe", 0x4A), ("IndexProbe", 0x31), ("Fingerprint", 2)),
                     "mark": (("IndexMark", 0x4B),)}, ("decide", "sweep")),
    "Assign/State/ParDo(EarlyAssignFn)": ({"self": (("NewDocument", 0x27),), "reports": (("Report", 0x32),),
                                           "edges": (("Edge", 0x26), ("EarlyReport", 0x33)),
                                           "provisional": (("ProvisionalChoice", 0x48),)}, ("gc", "settle")),
    "Stories/State/ParDo(EarlyStoriesFn)": ({"story": (("StoryState", 0x45),), "pending": (("PendingState", 0x47),)},
                                       ("expire",)),
    "ResolveLinks/State": ({"resolve": (("ResolveState", 0x46),), "waiting": (("Pair", 0x2B), ("Item", 0x2C))},
                           ("expire",)),
    "FirstLinkOnly/State": ({"seen": (("Deadline", 0x42),)}, ("expire",)),
}


def test_the_savepoint_layout_is_pinned():
    assert {label: (step.cells, step.timers) for label, step in SAVEPOINT_LAYOUT.items()} == PINNED, BREAK
    assert INDEX_PARTITIONS == 4, BREAK


class _StatefulSteps(PipelineVisitor):
    def __init__(self) -> None:
        self.steps: dict[str, tuple[set[str], set[str]]] = {}

    def visit_transform(self, node) -> None:
        if isinstance(node.transform, beam.ParDo):
            states, timers = get_dofn_specs(node.transform.fn)
            if states or timers:
                # timers as declared (Beam prefixes their runner-side ids with a constant)
                self.steps[node.full_label] = ({s.name for s in states},
                                               {t.name.removeprefix(TimerSpec.prefix) for t in timers})


def test_the_job_has_exactly_the_stateful_steps_cells_and_timers_of_the_layout():
    p = beam.Pipeline()
    _ = p | beam.Create([{"page_id": "x"}]) | "DedupStories" >> DedupStories(settle_ms=500)  # as on Flink
    visitor = _StatefulSteps()
    p.visit(visitor)
    found = {label.removeprefix("DedupStories/"): cells_timers for label, cells_timers in visitor.steps.items()}
    expected = {label: (set(step.cells), set(step.timers)) for label, step in SAVEPOINT_LAYOUT.items()}
    assert found == expected, "the steps changed without SAVEPOINT_LAYOUT: update it; " + BREAK


def test_every_format_in_the_layout_is_the_one_the_records_write():
    for label, step in SAVEPOINT_LAYOUT.items():
        for cell, formats in step.cells.items():
            for name, byte in formats:
                written = signature.FORMAT if name == "Fingerprint" else getattr(records, name).FORMAT
                assert written == byte, f"{label} {cell}: {name} writes format {written}, the layout says {byte}; " \
                                        + BREAK


def test_format_bytes_name_one_record_each():
    formats = [record.FORMAT for record in vars(records).values()
               if isinstance(record, type) and isinstance(getattr(record, "FORMAT", None), int)]
    assert len(formats) == len(set(formats)) == 21
