"""State plumbing shared by the dedup steps: the one-cell-per-step value cell, expiry bookkeeping,
the state meter, and `Keyed`, which runs a step over (str key, encoded record) pairs.

A step keeps a key's state in one value cell (`ValueCell`), plus a bag only where values arrive
that must not be read to be added (bucket entries, edges, parked probes and pairs): on Flink each
cell of a key costs a round trip on its first read and a request per write. Cell names and
formats are the savepoint layout (layout.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.typehints import KV
from apache_beam.utils.timestamp import Duration, Timestamp

from pipelines.config import NAMESPACE

R = TypeVar("R")


class Encodable(Protocol):
    def encode(self) -> bytes: ...


class StateMeter:
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


class ValueCell:
    """All of a key's state for one step in a single read-modify-write cell holding one record.

    Each cell of a key costs a state request per read miss and per write on Flink (a round trip to
    the runner), and a lookup per element on every runner, so a step keeps one cell where a bag
    is not needed. `load` decodes the value (or returns `empty`); `store` writes only a changed
    value (encodings are deterministic, so equal bytes mean an equal value)."""

    def __init__(self, state: Any, meter: StateMeter, kind: str, key: str) -> None:
        self._state, self._meter, self._kind, self._key = state, meter, kind, key
        self.raw: bytes | None = state.read()

    def load(self, decode: Callable[[bytes], R], empty: R) -> R:
        return decode(self.raw) if self.raw is not None else empty

    def store(self, value: Encodable) -> None:
        data = value.encode()
        if data != self.raw:
            self._state.write(self._meter.grown(self._kind, self.raw, data, self._key))
            self.raw = data


def expire_at(timestamp: Timestamp, after_ms: int) -> Timestamp:
    return timestamp + Duration(micros=after_ms * 1000)


class ExpiringState(beam.DoFn):
    """Shared expiry bookkeeping: one event-time timer per key, pushed past the latest deadline
    (kept in the step's own cell, as µs): state lives at least `keep_ms` after the last element
    that needed it and at most a sixteenth longer."""

    def __init__(self, keep_ms: int, expire: bool = True) -> None:
        self._keep_ms = keep_ms
        self._expire = expire
        self._meter = StateMeter()

    def _deadline(self, timestamp: Timestamp, current: int | None, timer: Any) -> int | None:
        """The key's deadline after an element at `timestamp`; sets the timer when it moves."""
        if not self._expire:
            return current
        target = expire_at(timestamp, self._keep_ms)
        if current is None or target.micros > current:
            # Pushed a sixteenth of the time kept past what is needed: the deadline (a cell write
            # and a timer) then moves at most 16 times per horizon, not on every later element.
            pushed = expire_at(target, self._keep_ms // 16)
            timer.set(pushed)
            return pushed.micros
        return current


KEYED = KV[str, bytes]  # what runners see of every message between dedup steps


def _as_keyed(element: tuple[str, bytes]) -> tuple[str, bytes]:
    return element


class Keyed(beam.PTransform):
    """A stateful step over (str key, encoded record) pairs from one or more PCollections.

    Runners see only standard coders (UTF-8 key, bytes value), which Prism needs to group and
    Flink to shard keys deterministically. Producers encode their records (records.py) themselves;
    an input Beam cannot type (a tagged output: Beam 2.62 has no tagged type hints) is declared
    KEYED by an identity step fused into its producer, so every input of the Flatten has the
    Flatten's own coder (a Flatten does not re-encode on portable runners). `keyed_output`: the
    step's main output is KEYED messages for the next step."""

    def __init__(self, fn: beam.DoFn, *outputs: str, main: str | None = None, keyed_output: bool = False) -> None:
        super().__init__()
        self._fn, self._outputs, self._main, self._keyed_output = fn, outputs, main, keyed_output

    def expand(self, inputs):
        step = beam.ParDo(self._fn).with_input_types(KEYED)
        if self._keyed_output:
            step = step.with_output_types(KEYED)
        if self._outputs:
            step = step.with_outputs(*self._outputs, main=self._main)
        pcolls = tuple(inputs) if isinstance(inputs, tuple | list) else (inputs,)
        typed = tuple(pcoll if pcoll.element_type == KEYED
                      else pcoll | f"Declare{index}" >> beam.Map(_as_keyed).with_output_types(KEYED)
                      for index, pcoll in enumerate(pcolls))
        merged = typed[0] if len(typed) == 1 else typed | "Inputs" >> beam.Flatten().with_output_types(KEYED)
        return merged | "State" >> step
