"""The lateness rule as one step right after the read (core.records.is_late).

A record that trails its partition's watermark by more than the allowed lateness is still decoded,
extracted and written as an article, but its story was already decided without it. This step
marks it late; ExtractArticles then flags its article (dedup leaves it alone) and reports it as one
`dedup`/`LateRecord` dead letter, so a late record that cannot even be decoded gets only its
decode letter, and nothing after extraction carries the raw bytes."""

from __future__ import annotations

import logging

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipelines.config import NAMESPACE
from pipelines.core.records import KafkaRecord, is_late

LOG = logging.getLogger(__name__)


class _MarkLateFn(beam.DoFn):
    def __init__(self, allowed_lateness_ms: int) -> None:
        self._allowed_lateness_ms = allowed_lateness_ms
        self._late = Metrics.counter(NAMESPACE, "records_late")
        self._late_in_bundle: dict[tuple[str, int], list[int]] = {}

    def start_bundle(self) -> None:
        self._late_in_bundle = {}

    def process(self, record: KafkaRecord):
        if is_late(record, self._allowed_lateness_ms):
            self._late.inc()
            seen = self._late_in_bundle.setdefault((record.topic, record.partition), [0, 0])
            seen[0] += 1
            seen[1] = max(seen[1], record.behind_ms)
            yield record._replace(late=True)
            return
        yield record

    def finish_bundle(self) -> None:
        # A backfill produced into an idle stream is late as a whole (the idle partition's
        # watermark followed the wall clock): right by the rule, but the operator must hear of it.
        for (topic, partition), (count, behind_ms) in sorted(self._late_in_bundle.items()):
            LOG.warning("%s partition %d: %d records older than the allowed lateness (%d s) are late, up to %d s "
                        "behind the partition's watermark; their articles are written but join no story "
                        "(load backfills with a bounded run)", topic, partition, count,
                        self._allowed_lateness_ms // 1000, behind_ms // 1000)


class MarkLateRecords(beam.PTransform):
    """KafkaRecord → the same records, those beyond the allowed lateness marked `late`."""

    def __init__(self, allowed_lateness_ms: int) -> None:
        super().__init__()
        self._allowed_lateness_ms = allowed_lateness_ms

    def expand(self, records):
        return records | "MarkLate" >> beam.ParDo(_MarkLateFn(self._allowed_lateness_ms))
