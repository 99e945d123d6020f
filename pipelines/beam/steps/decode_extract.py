"""Decode raw Kafka values into pages and extract articles from them; failures are dead letters.

Every step has a stable label: Flink maps operator state to these names when restoring a
savepoint, so renaming a step is a breaking change."""

from __future__ import annotations

import logging
import time

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics

from pipelines.config import NAMESPACE
from pipelines.core import codecs
from pipelines.core.content import binary_body_reason
from pipelines.core.dead_letters import (
    LATE_ARTICLE_KEY,
    REPLAYED_ARTICLE_KEY,
    SOURCE_ARTICLE_KEY,
    dead_letter,
    late_dead_letter,
)
from pipelines.core.extract import ExtractError, extract_article
from pipelines.core.records import KafkaRecord, SourceRecord

LOG = logging.getLogger(__name__)
DEAD = "dead_letters"


class _DecodeFn(beam.DoFn):
    def __init__(self) -> None:
        self._decoded = Metrics.counter(NAMESPACE, "pages_decoded")
        self._dead = Metrics.counter(NAMESPACE, "dead_letters_decode")

    def process(self, record: KafkaRecord):
        try:
            page = codecs.decode_raw_page(record.value)
        except codecs.DecodeError as exc:
            self._dead.inc()
            yield pvalue.TaggedOutput(DEAD, dead_letter(record, "decode", exc.error_class, exc.reason))
            return
        self._decoded.inc()
        yield record, page


class DecodePages(beam.PTransform):
    """KafkaRecord → (record, RawPage); undecodable values → dead letters (tag `dead_letters`)."""

    def expand(self, records):
        return records | "Decode" >> beam.ParDo(_DecodeFn()).with_outputs(DEAD, main="pages")



class _ExtractFn(beam.DoFn):
    def __init__(self, max_page_bytes: int, allowed_lateness_ms: int) -> None:
        self._max_bytes = max_page_bytes
        self._allowed_lateness_ms = allowed_lateness_ms
        self._late = Metrics.counter(NAMESPACE, "dead_letters_dedup")
        self._extracted = Metrics.counter(NAMESPACE, "articles_extracted")
        self._empty = Metrics.counter(NAMESPACE, "extract_empty")
        self._dead = Metrics.counter(NAMESPACE, "dead_letters_extract")
        self._latency_sum = Metrics.counter(NAMESPACE, "extract_latency_ms_sum")
        self._latency_count = Metrics.counter(NAMESPACE, "extract_latency_ms_count")
        self._pending_ms = 0.0

    def _timed(self, started: float) -> None:
        """Latency as a _sum/_count counter pair (Flink's Prometheus reporter drops distributions);
        whole milliseconds are counted and the fraction carried over."""
        self._pending_ms += (time.perf_counter() - started) * 1000
        whole = int(self._pending_ms)
        if whole:
            self._latency_sum.inc(whole)
            self._pending_ms -= whole
        self._latency_count.inc()

    def process(self, element: tuple[KafkaRecord, dict]):
        record, page = element
        started = time.perf_counter()
        binary = binary_body_reason(page.get("body") or b"", page.get("content_type"))
        if binary is not None:
            self._dead.inc()
            yield pvalue.TaggedOutput(DEAD, dead_letter(record, "extract", "BinaryBody", binary))
            return
        try:
            article = extract_article(page, max_bytes=self._max_bytes)
        except ExtractError as exc:
            self._dead.inc()
            yield pvalue.TaggedOutput(DEAD, dead_letter(record, "extract", exc.error_class, exc.reason))
            return
        except Exception as exc:  # an extractor bug must cost one page, not the pipeline
            LOG.warning("extractor failed on %s/%d/%d", record.topic, record.partition, record.offset, exc_info=True)
            self._dead.inc()
            yield pvalue.TaggedOutput(
                DEAD, dead_letter(record, "extract", type(exc).__name__, f"extractor error: {exc}"[:500])
            )
            return
        self._timed(started)
        self._extracted.inc()
        # Private (never written): lets the writer dead-letter this record if Kafka refuses its article.
        article[SOURCE_ARTICLE_KEY] = SourceRecord(record.topic, record.partition, record.offset)
        if article["empty"]:
            self._empty.inc()
        if record.warm_up:
            article[REPLAYED_ARTICLE_KEY] = True  # state only: written before the restart (steps/replay.py)
        if record.late:
            article[LATE_ARTICLE_KEY] = True  # written as an article, left out of dedup
            self._late.inc()
            yield pvalue.TaggedOutput(DEAD, late_dead_letter(record, self._allowed_lateness_ms, article["page_id"]))
        yield article


class ExtractArticles(beam.PTransform):
    """(record, RawPage) → Article; pages that cannot be extracted → dead letters.

    The article of a record marked late (MarkLateRecords) carries LATE_ARTICLE_KEY: True, a
    private key never written out, so dedup leaves it alone, and the record becomes one
    `dedup`/`LateRecord` dead letter here."""

    def __init__(self, max_page_bytes: int, allowed_lateness_ms: int) -> None:
        super().__init__()
        self._max_bytes = max_page_bytes
        self._allowed_lateness_ms = allowed_lateness_ms

    def expand(self, pages):
        fn = _ExtractFn(self._max_bytes, self._allowed_lateness_ms)
        return pages | "Extract" >> beam.ParDo(fn).with_outputs(DEAD, main="articles")
