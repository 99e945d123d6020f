"""The warm-up of a restart without a checkpoint: records re-read only to rebuild the dedup state.

A restart (`newsbeam run --restore latest` on Prism) re-reads the raw topic from the start of its
replay window (core.progress, kafka/replay.py). The records before the group's committed offsets
are warm-up: every output they trigger (article, dead letter, story record, link) was written
before the crash, because the commit step (beam/steps/commit.py) committed them only then. They
are marked right after the read; their articles go into dedup marked as well (REPLAYED_ARTICLE_KEY,
dedup takes them into its state and writes nothing they trigger), and neither they nor their dead
letters are written again."""

from __future__ import annotations

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipelines.config import NAMESPACE
from pipelines.core.dead_letters import REPLAYED_ARTICLE_KEY
from pipelines.core.progress import ReplayWindow
from pipelines.core.records import KafkaRecord


class _MarkWarmUpFn(beam.DoFn):
    def __init__(self, window: ReplayWindow) -> None:
        self._window = window
        self._warm_up = Metrics.counter(NAMESPACE, "records_warm_up")

    def process(self, record: KafkaRecord):
        if self._window.warm_up(record.partition, record.offset):
            self._warm_up.inc()
            yield record._replace(warm_up=True)
            return
        yield record


class MarkWarmUpRecords(beam.PTransform):
    """KafkaRecord → the same records, those before the committed offsets marked `warm_up`."""

    def __init__(self, window: ReplayWindow) -> None:
        super().__init__()
        self._window = window

    def expand(self, records):
        return records | "MarkWarmUp" >> beam.ParDo(_MarkWarmUpFn(self._window))


def written_again(article: dict) -> bool:
    """False for the article of a warm-up record: it was written before the restart."""
    return not article.get(REPLAYED_ARTICLE_KEY)


class DropWarmUpLetters(beam.PTransform):
    """Dead letters → those of records that are not warm-up (the others were written before)."""

    def __init__(self, window: ReplayWindow) -> None:
        super().__init__()
        self._window = window

    def expand(self, letters):
        window = self._window
        return letters | "NotWrittenBefore" >> beam.Filter(
            lambda letter: letter["source_offset"] < 0
            or not window.warm_up(int(letter["source_partition"]), int(letter["source_offset"])))
