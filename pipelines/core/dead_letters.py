"""Dead-letter records: every input that cannot become an article, with where it came from and why.

`failed_at` is the failed record's own Kafka timestamp, not the wall clock, so replaying the same
offsets yields byte-identical dead letters under the same key (idempotent, keyed writes)."""

from __future__ import annotations

from pipelines.core.records import KafkaMessage, KafkaRecord, SourceRecord

MAX_ORIGINAL_BYTES = 1024 * 1024
# Private article key (never written out): True on the article of a record that came later than
# the allowed lateness (core.records.is_late). Such an article is written but joins no story.
LATE_ARTICLE_KEY = "_late"
# Private article key (never written out): the SourceRecord of the raw record the article was
# made of, carried to the writer so that an article the broker refuses names its input.
SOURCE_ARTICLE_KEY = "_source"
# Private article key (never written out): True on the article of a record re-read only to rebuild
# the dedup state after a restart (a warm-up record, beam/steps/replay.py). Its outputs were written
# before the restart: dedup takes it into its state and writes nothing it triggers.
REPLAYED_ARTICLE_KEY = "_replayed"
# `write`: an output the broker refused for good (too large, invalid timestamp or record).
STAGES = ("decode", "extract", "dedup", "write")
# Stages whose letter stands instead of an article: the first half of the ledger.
INPUT_STAGES = ("decode", "extract", "write")


def dead_letter(record: KafkaRecord, stage: str, error_class: str, reason: str) -> dict:
    value = record.value or b""
    return {
        "stage": stage,
        "error_class": error_class,
        "reason": reason,
        "source_topic": record.topic,
        "source_partition": record.partition,
        "source_offset": record.offset,
        "original_key": record.key,
        "original_value": value[:MAX_ORIGINAL_BYTES],
        "original_size": len(value),
        "failed_at": record.timestamp_ms,
    }


# Header on every article: the raw record it was made of, as `topic/partition/offset` (the key a
# dead letter of that record would have), so the ledger can match each raw record to its outcome.
SOURCE_HEADER = "newsbeam.source"


def source_coordinates(source: SourceRecord) -> bytes:
    return f"{source.topic}/{source.partition}/{source.offset}".encode()


def dead_letter_key(letter: dict) -> bytes:
    """Topic/partition/offset: one failed input, one key, however often it is replayed. A refused
    output of no single input (a story version) has no offset (-1) and is named by its own key."""
    if letter["source_offset"] < 0:
        own_key = (letter["original_key"] or b"").decode("utf-8", "replace")
        return f"{letter['source_topic']}/key/{own_key}".encode()
    return source_coordinates(SourceRecord(letter["source_topic"], letter["source_partition"], letter["source_offset"]))


def dead_letter_headers(letter: dict) -> tuple[tuple[str, bytes], ...]:
    """Kafka Connect's error-context header names, so existing DLQ tooling can read them."""
    return (
        ("__connect.errors.topic", letter["source_topic"].encode()),
        ("__connect.errors.partition", str(letter["source_partition"]).encode()),
        ("__connect.errors.offset", str(letter["source_offset"]).encode()),
        ("__connect.errors.stage", letter["stage"].encode()),
        ("__connect.errors.class.name", letter["error_class"].encode()),
        ("__connect.errors.exception.message", letter["reason"].encode()[:1000]),
    )


def to_message(letter: dict, value: bytes) -> KafkaMessage:
    return KafkaMessage(dead_letter_key(letter), value, dead_letter_headers(letter), letter["failed_at"])


def late_dead_letter(record: KafkaRecord, allowed_lateness_ms: int, page_id: str) -> dict:
    """The `dedup` dead letter of a late record: its article is written, but it joins no story,
    because its story was decided without it (core.records.is_late)."""
    reason = (f"late: event time {record.timestamp_ms} trails its partition's watermark by {record.behind_ms} ms, "
              f"more than the allowed lateness of {allowed_lateness_ms} ms; article {page_id} was written but "
              f"joined no story")
    return dead_letter(record, "dedup", "LateRecord", reason)


def write_dead_letter(message: KafkaMessage, sink_topic: str, error_class: str, reason: str) -> dict:
    """The `write` dead letter of a message that `sink_topic` refused for good.

    An article's letter takes its raw record's coordinates (message.source), so it stands in the
    ledger instead of that article; a story or link version has no single input and is named by
    the sink topic and its own key. The refused bytes are not kept (they are an output, and
    `dlq replay` feeds letters back to the raw topic): the raw record is at the coordinates."""
    source = message.source or SourceRecord(sink_topic, -1, -1)
    return {
        "stage": "write",
        "error_class": error_class,
        "reason": f"{sink_topic} refused a record of {len(message.value)} bytes: {reason}"[:1000],
        "source_topic": source.topic,
        "source_partition": source.partition,
        "source_offset": source.offset,
        "original_key": message.key,
        "original_value": b"",
        "original_size": len(message.value),
        "failed_at": message.timestamp_ms or 0,
    }
