"""The savepoint layout of the dedup steps: what a restored streaming job must find where it left it.

A runner restores keyed state by step label, state cell name and timer name, and the steps decode
each cell by its format byte (records.py). Changing any of these, the bucket shard count or the
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
`Assign/State/ParDo(AssignFn)` and `Stories/State/ParDo(StoriesFn)`, without the `provisional` and
`pending` cells and the `settle` timer: switching early firing on or off moves their state, so
start fresh.
"""

from __future__ import annotations

from typing import NamedTuple


class StepLayout(NamedTuple):
    cells: dict[str, tuple[tuple[str, int], ...]]
    timers: tuple[str, ...]


SAVEPOINT_LAYOUT: dict[str, StepLayout] = {
    "Buckets/State": StepLayout(
        cells={"entries": (("BucketEntry", 0x41),), "next_expiry": (("Deadline", 0x42),)},
        timers=("expire",)),
    "Candidates/State": StepLayout(
        cells={"candidates": (("CandidatesState", 0x43), ("Fingerprint", 2))},
        timers=("expire",)),
    "Verify/State": StepLayout(
        cells={"verify": (("VerifyState", 0x44), ("Fingerprint", 2)),
               "pending": (("Probe", 0x25), ("Fingerprint", 2))},
        timers=("expire",)),
    "Assign/State/ParDo(EarlyAssignFn)": StepLayout(
        cells={"self": (("NewDocument", 0x27),), "edges": (("Edge", 0x26),),
               "provisional": (("ProvisionalChoice", 0x48),)},
        timers=("decide", "gc", "settle")),
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

BUCKET_SHARDS = 4096  # band keys are spread over this many Buckets keys (candidates.bucket_tags)
