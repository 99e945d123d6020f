"""Records → KafkaMessages: keyed, encoded (Avro single-object or JSON) and timestamped."""

from __future__ import annotations

import time

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipelines.config import NAMESPACE
from pipelines.core import codecs
from pipelines.core.dead_letters import to_message
from pipelines.core.records import KafkaMessage


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
