"""The lateness rule as one step right after the read (core.records.is_late).

A record that trails its partition's watermark by more than the allowed lateness is still decoded,
extracted and written as an article, but its story was already decided without it: the record is
marked late (dedup then leaves its article alone) and reported as one `dedup`/`LateRecord` dead
letter here, where its raw bytes are at hand, so nothing downstream carries them."""

from __future__ import annotations

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics

from pipelines.config import NAMESPACE
from pipelines.core.dead_letters import late_dead_letter
from pipelines.core.records import KafkaRecord, is_late

DEAD = "dead_letters"


class _SplitLateFn(beam.DoFn):
    def __init__(self, allowed_lateness_ms: int) -> None:
        self._allowed_lateness_ms = allowed_lateness_ms
        self._late = Metrics.counter(NAMESPACE, "dead_letters_dedup")

    def process(self, record: KafkaRecord):
        if is_late(record, self._allowed_lateness_ms):
            self._late.inc()
            yield pvalue.TaggedOutput(DEAD, late_dead_letter(record, self._allowed_lateness_ms))
            yield record._replace(late=True)
            return
        yield record


class SplitLateRecords(beam.PTransform):
    """KafkaRecord → the same records (late ones marked `late`) + a dead letter per late record
    (tag `dead_letters`)."""

    def __init__(self, allowed_lateness_ms: int) -> None:
        super().__init__()
        self._allowed_lateness_ms = allowed_lateness_ms

    def expand(self, records):
        fn = _SplitLateFn(self._allowed_lateness_ms)
        return records | "MarkLate" >> beam.ParDo(fn).with_outputs(DEAD, main="records")
