"""Reading whole topics back: for the demo summary, the tests' ledger and on-call inspection."""

from __future__ import annotations

from collections import Counter
from typing import Any

from pipelines.core import codecs


def read_all(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list[Any]:
    """Every record of `topic` from the earliest offset to the end offsets seen at the start."""
    import time

    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        remaining = {tp for tp in tps if ends[tp] > consumer.position(tp)}
        records: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while remaining and time.monotonic() < deadline:
            for tp, batch in consumer.poll(timeout_ms=500).items():
                records.extend(r for r in batch if r.offset < ends[tp])
                if consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
            for tp in list(remaining):
                if consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        if remaining:
            raise TimeoutError(f"could not read {topic} to its end within {timeout_s}s")
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()


def count(bootstrap: str, topic: str) -> int:
    """Records in a topic: sum over partitions of end minus beginning offsets."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not tps:
            return 0
        ends, starts = consumer.end_offsets(tps), consumer.beginning_offsets(tps)
        return sum(ends[tp] - starts[tp] for tp in tps)
    finally:
        consumer.close()


def dead_letter_reasons(records: list[Any]) -> Counter:
    """(stage, error_class) → count over dead-letter records."""
    tally: Counter = Counter()
    for record in records:
        letter = codecs.decode("DeadLetter", record.value)
        tally[(letter["stage"], letter["error_class"])] += 1
    return tally
