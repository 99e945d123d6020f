"""The savepoint layout of the dedup steps: what a restored streaming job must find where it left it.

A runner restores keyed state by step label, state cell name and timer name, and the steps decode
each cell by its format byte (records.py). Changing any of these, the Index partition count or the
fingerprint format breaks savepoints: a streaming job must then start fresh, and the README's
upgrade section must say so. tests/test_dedup_layout.py pins this constant and checks it against
the code.

Labels are relative to the DedupStories transform (the job applies it as "DedupStories"); a step
with several outputs gets its DoFn's class name in its label from Beam, so renaming that class
moves its state too. A cell
lists every format its values may have: (record, format byte); a bag of parked messages keeps
each message's own format. A message kept as it came (Assign's `self`, ResolveLinks' `waiting`)
may be in the one-byte WARM_UP envelope (records.py), its own format byte after it. Savepoints
taken before the envelope existed never hold it and restore unchanged: it is not listed here.

This is the layout of the streaming job on Flink, which fires early (provisional stories): its
decision and story steps run EarlyAssignFn and EarlyStoriesFn. With early firing off
(`--provisional-settle-ms 0`) they run AssignFn and StoriesFn, under the labels
`Assign/State/ParDo(AssignFn)` and `Stories/State/ParDo(StoriesFn)`, without the `edges`,
`provisional` and `pending` cells and the `settle` timer: switching early firing on or off moves
their state, so start fresh.
"""

from __future__ import annotations

from typing import NamedTuple


class StepLayout(NamedTuple):
    cells: dict[str, tuple[tuple[str, int], ...]]
    timers: tuple[str, ...]


SAVEPOINT_LAYOUT: dict[str, StepLayout] = {
    "Index/State": StepLayout(
        cells={"residents": (("ResidentEntry", 0x49), ("Fingerprint", 2)),
               "pending": (("PendingProbe", 0x4A), ("IndexProbe", 0x31), ("Fingerprint", 2)),
               "mark": (("IndexMark", 0x4B),)},
        timers=("decide", "sweep")),
    "Assign/State/ParDo(EarlyAssignFn)": StepLayout(
        cells={"self": (("NewDocument", 0x27),), "reports": (("Report", 0x32),),
               "edges": (("Edge", 0x26), ("EarlyReport", 0x33)), "provisional": (("ProvisionalChoice", 0x48),)},
        timers=("gc", "settle")),
    "Stories/State/ParDo(EarlyStoriesFn)": StepLayout(
        cells={"story": (("StoryState", 0x45),), "pending": (("PendingState", 0x47),)},
        timers=("expire",)),
    "ResolveLinks/State": StepLayout(
        cells={"resolve": (("ResolveState", 0x46),), "waiting": (("Pair", 0x2B), ("Item", 0x2C))},
        timers=("expire",)),
    "FirstLinkOnly/State": StepLayout(
        cells={"seen": (("Deadline", 0x42),)},
        timers=("expire",)),
}

# Index keys that share the similarity index (index.py): a document is filed in one of them and
# judged in each. More partitions spread the index over more workers; each adds a message and a
# report per document.
INDEX_PARTITIONS = 4
