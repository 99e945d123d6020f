"""The lateness rule as one step right after the read (core.records.is_late).

A record that trails its partition's watermark by more than the allowed lateness is still decoded,
extracted and written as an article, but its story was already decided without it. This step
marks it late; ExtractArticles then flags its article (dedup leaves it alone) and reports it as one
`dedup`/`LateRecord` dead letter, so a late record that cannot even be decoded gets only its
decode letter, and nothing after extraction carries the raw bytes."""

from __future__ import annotations

import apache_beam as beam

from pipelines.core.records import KafkaRecord, is_late


class _MarkLateFn(beam.DoFn):
    def __init__(self, allowed_lateness_ms: int) -> None:
        self._allowed_lateness_ms = allowed_lateness_ms

    def process(self, record: KafkaRecord):
        if is_late(record, self._allowed_lateness_ms):
            yield record._replace(late=True)
            return
        yield record


class MarkLateRecords(beam.PTransform):
    """KafkaRecord → the same records, those beyond the allowed lateness marked `late`."""

    def __init__(self, allowed_lateness_ms: int) -> None:
        super().__init__()
        self._allowed_lateness_ms = allowed_lateness_ms

    def expand(self, records):
        return records | "MarkLate" >> beam.ParDo(_MarkLateFn(self._allowed_lateness_ms))
