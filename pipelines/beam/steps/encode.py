"""Records → KafkaMessages: keyed, encoded (Avro single-object or JSON) and timestamped."""

from __future__ import annotations

import time

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.utils.timestamp import MIN_TIMESTAMP, Timestamp

from pipelines.config import MAX_MESSAGE_BYTES, NAMESPACE
from pipelines.core import codecs
from pipelines.core.dead_letters import SOURCE_ARTICLE_KEY, to_message
from pipelines.core.limits import ENCODING_HEADROOM, fit_record
from pipelines.core.records import KafkaMessage

RECORD_BUDGET_BYTES = MAX_MESSAGE_BYTES - ENCODING_HEADROOM


def encode_fitted(record_name: str, record: dict, fmt: str) -> bytes:
    """The record's bytes, trimmed by the size policy of core.limits when it would not fit."""
    value = codecs.encode(record_name, record, fmt)
    if len(value) <= RECORD_BUDGET_BYTES:
        return value
    fitted = fit_record(record, RECORD_BUDGET_BYTES, lambda r: len(codecs.encode(record_name, r, fmt)))
    return codecs.encode(record_name, fitted, fmt)


def event_time_ms(timestamp: Timestamp) -> int | None:
    """An element's event time as a Kafka timestamp (None for the minimum: no time of its own)."""
    return int(timestamp.micros // 1000) if timestamp > MIN_TIMESTAMP else None


def article_message(article: dict, fmt: str, timestamp_ms: int | None) -> KafkaMessage:
    """An article keyed by page_id, stamped with its raw record's Kafka timestamp (its event time,
    which the raw topic's broker has already accepted), not the page's own `fetched_at`. It keeps the
    raw record's coordinates (`source`) for the writer's dead letter, should the broker refuse it."""
    return KafkaMessage(article["page_id"].encode(), encode_fitted("Article", article, fmt), (), timestamp_ms,
                        article.get(SOURCE_ARTICLE_KEY))


class _ArticleMessageFn(beam.DoFn):
    def __init__(self, fmt: str) -> None:
        self._fmt = fmt
        self._latency_sum = Metrics.counter(NAMESPACE, "event_latency_ms_sum")
        self._latency_count = Metrics.counter(NAMESPACE, "event_latency_ms_count")

    def process(self, article: dict, timestamp=beam.DoFn.TimestampParam):
        # Wall clock minus fetch time: how far behind real time the pipeline is (replays of old
        # input show up here as large values, which is what an on-call engineer wants to see).
        self._latency_sum.inc(max(0, int(time.time() * 1000) - article["fetched_at"]))
        self._latency_count.inc()
        yield article_message(article, self._fmt, event_time_ms(timestamp))


class EncodeArticles(beam.PTransform):
    """Article → KafkaMessage keyed by page_id, timestamped with its raw record's timestamp."""

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
        value = encode_fitted(self._name, record, self._fmt)
        yield KafkaMessage(record[self._key].encode(), value, (), event_time_ms(timestamp))


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
