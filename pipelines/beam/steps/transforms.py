"""The pipeline's composite transforms, one concern each; the logic they call is plain Python.

Every step has a stable label: Flink maps operator state to these names when restoring a
savepoint, so renaming a step is a breaking change."""

from __future__ import annotations

import logging
import time
from typing import Any

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.metrics import Metrics

from pipelines.beam.kafka_io import NAMESPACE, KafkaMessage, KafkaRecord
from pipelines.core import codecs
from pipelines.core.dead_letters import LATE_RECORD_KEY, dead_letter, to_message
from pipelines.core.extract import ExtractError, extract_article

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
    def __init__(self, max_page_bytes: int, allowed_lateness_ms: int | None = None) -> None:
        self._max_bytes = max_page_bytes
        self._allowed_lateness_ms = allowed_lateness_ms
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
        if article["empty"]:
            self._empty.inc()
        if self._allowed_lateness_ms is not None and record.behind_ms > self._allowed_lateness_ms:
            # Still an article; dedup sends it to the dead-letter topic instead of deciding it.
            article[LATE_RECORD_KEY] = record
        yield article


class ExtractArticles(beam.PTransform):
    """(record, RawPage) → Article; pages that cannot be extracted → dead letters.

    With `allowed_lateness_ms`, an article whose record trailed its partition's watermark by more
    than that carries its source record under the private key LATE_RECORD_KEY (never written out)."""

    def __init__(self, max_page_bytes: int, allowed_lateness_ms: int | None = None) -> None:
        super().__init__()
        self._max_bytes = max_page_bytes
        self._allowed_lateness_ms = allowed_lateness_ms

    def expand(self, pages):
        fn = _ExtractFn(self._max_bytes, self._allowed_lateness_ms)
        return pages | "Extract" >> beam.ParDo(fn).with_outputs(DEAD, main="articles")


def article_message(article: dict, fmt: str) -> KafkaMessage:
    return KafkaMessage(article["page_id"].encode(), codecs.encode("Article", article, fmt), (), article["fetched_at"])


class _ArticleMessageFn(beam.DoFn):
    def __init__(self, fmt: str) -> None:
        self._fmt = fmt
        self._latency_sum = Metrics.counter(NAMESPACE, "event_latency_ms_sum")
        self._latency_count = Metrics.counter(NAMESPACE, "event_latency_ms_count")

    def process(self, article: dict):
        # Wall clock minus fetch time: how far behind real time the pipeline is (replays of old
        # input show up here as large values, which is what an on-call engineer wants to see).
        self._latency_sum.inc(max(0, int(time.time() * 1000) - article["fetched_at"]))
        self._latency_count.inc()
        yield article_message(article, self._fmt)


class EncodeArticles(beam.PTransform):
    """Article → KafkaMessage keyed by page_id, timestamped with the page's fetch time."""

    def __init__(self, fmt: str) -> None:
        super().__init__()
        self._fmt = fmt

    def expand(self, articles):
        return articles | "ArticleMessage" >> beam.ParDo(_ArticleMessageFn(self._fmt))


class EncodeKeyed(beam.PTransform):
    """Records → KafkaMessages keyed by one of their fields (stories by story_id, links by
    from_story), counted under `metric`; the record's event time becomes the Kafka timestamp."""

    def __init__(self, record_name: str, key_field: str, fmt: str, metric: str) -> None:
        super().__init__()
        self._args = (record_name, key_field, fmt, metric)

    def expand(self, records):
        return records | "Encode" >> beam.ParDo(_EncodeKeyedFn(*self._args))


class _EncodeKeyedFn(beam.DoFn):
    def __init__(self, record_name: str, key_field: str, fmt: str, metric: str) -> None:
        self._name, self._key, self._fmt = record_name, key_field, fmt
        self._count = Metrics.counter(NAMESPACE, metric)

    def process(self, record: dict, timestamp=beam.DoFn.TimestampParam):
        self._count.inc()
        millis = int(timestamp.micros // 1000) if timestamp.micros > -(2**62) else None
        yield KafkaMessage(record[self._key].encode(), codecs.encode(self._name, record, self._fmt), (), millis)


class _CountDeadLetters(beam.DoFn):
    def __init__(self) -> None:
        self._dead = Metrics.counter(NAMESPACE, "dead_letters")

    def process(self, letter: dict, fmt: str):
        self._dead.inc()
        yield to_message(letter, codecs.encode("DeadLetter", letter, fmt))


class EncodeDeadLetters(beam.PTransform):
    """Dead letters from every stage → one keyed KafkaMessage each, with Connect-style headers."""

    def __init__(self, fmt: str) -> None:
        super().__init__()
        self._fmt = fmt

    def expand(self, letters):
        return letters | "DeadLetterMessage" >> beam.ParDo(_CountDeadLetters(), self._fmt)


class WriteJsonLines(beam.PTransform):
    """A lake sink: records as sorted-key JSON lines under `prefix` (one shard set per run)."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self._prefix = prefix

    def expand(self, records):
        return (
            records
            | "ToJson" >> beam.Map(lambda r: codecs.to_json(codecs.public(r)).decode("utf-8"))
            | "WriteText" >> beam.io.WriteToText(self._prefix, file_name_suffix=".jsonl")
        )


class WriteAvroFiles(beam.PTransform):
    """A lake sink: Avro container files of one record type."""

    def __init__(self, prefix: str, record_name: str) -> None:
        super().__init__()
        self._prefix = prefix
        self._record_name = record_name

    def expand(self, records: Any):
        schema = codecs.codec(self._record_name).schema
        return records | "WriteAvro" >> beam.io.WriteToAvro(self._prefix, schema=schema, file_name_suffix=".avro")
