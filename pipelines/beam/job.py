"""The job: raw pages from Kafka → articles, stories and links to Kafka (and the lake), dead letters.

Read top to bottom, `build` is the whole graph. Runners, options and launching live in
pipelines.runners; the steps' logic lives in pipelines.core.

Streaming semantics, stated once for the whole job:

* Event time is the raw record's Kafka timestamp (the page's fetch time). Each partition's
  watermark follows the highest timestamp read so far; a partition that is caught up moves its
  watermark to the wall clock (minus a few seconds) so an idle partition never holds the job.
* Allowed lateness (`JobSettings.allowed_lateness_ms`, 600 s, `--allowed-lateness-s`): a record
  that trails its partition's watermark by more than that is late (core.records.is_late).
  MarkLateRecords marks it right after the read: it still becomes an article, joins no story, and
  is reported as one `dedup`/`LateRecord` dead letter. Bounded runs have no lateness: their
  watermark waits for all of their input.
* Horizon (`horizon_ms`, 48 h): two copies further apart in event time than this are never one
  story.
* Windows: none. Dedup is a chain of keyed, stateful steps in the global window; a document's
  story is decided by an event-time timer when the watermark passes its timestamp plus the
  allowed lateness (one firing per document, deterministic whatever the arrival order); state
  expires on event-time timers `horizon + allowed lateness` after the last element that needed
  it (streaming only; bounded runs drop all state at the end). A bounded run of at most
  `one_group_dedup_limit` records dedups in one GroupByKey instead, which fires once its input is
  read (beam/steps/dedup/transform.py says how each dedup path fires).
* Checkpoints (Flink streaming): every 10 s, bundles finished before the barrier, so Kafka offsets
  are committed only once the outputs of the records before them are durable.
* Commits without checkpoints (Prism streaming): CommitAfterDecisions commits a partition's offset
  only once the watermark below every Kafka sink has passed the decisions of the records before
  it (their time plus the allowed lateness); a restart re-reads the dedup state's window before
  the committed offsets as warm-up (MarkWarmUpRecords: state only, nothing written again).

Every step has a stable label: Flink maps operator state to these names when restoring a
savepoint, so renaming a step is a breaking change (README, "Upgrades").
"""

from __future__ import annotations

import apache_beam as beam

from pipelines.beam.kafka_io import ReadFromKafka, WriteToKafka
from pipelines.beam.lake import WriteToLake
from pipelines.beam.steps.boilerplate import LearnSiteBoilerplate
from pipelines.beam.steps.commit import CommitAfterDecisions, KafkaOffsets
from pipelines.beam.steps.decode_extract import DEAD, DecodePages, ExtractArticles
from pipelines.beam.steps.dedup import DedupStories, DedupStoriesInOneGroup
from pipelines.beam.steps.encode import EncodeArticles, EncodeDeadLetters, EncodeKeyed
from pipelines.beam.steps.language import TagLanguages
from pipelines.beam.steps.lateness import MarkLateRecords
from pipelines.beam.steps.replay import DropWarmUpLetters, MarkWarmUpRecords, written_again
from pipelines.config import JobSettings
from pipelines.core.records import PartitionSlice


def build(p: beam.Pipeline, job: JobSettings, slices: list[PartitionSlice] | None = None) -> None:
    """Wire the job's steps onto `p`; `slices` (bounded runs) are the offsets to read."""
    records = p | "ReadRawPages" >> ReadFromKafka(
        job.bootstrap,
        job.topics.raw,
        group_id=job.group_id,
        slices=slices,
        start=job.start,
        consumer_config=job.consumer_config,
        commit_offsets=job.commit_offsets,
        replay=job.replay,
        commit_after_decisions=job.commits_after_decisions,
    )
    if job.replay is not None:
        records = records | "MarkWarmUpRecords" >> MarkWarmUpRecords(job.replay)
    if job.dedup and job.mode == "streaming":
        records = records | "MarkLateRecords" >> MarkLateRecords(job.allowed_lateness_ms)
    decoded = records | "DecodePages" >> DecodePages()
    extracted = decoded.pages | "ExtractArticles" >> ExtractArticles(job.max_page_bytes, job.allowed_lateness_ms)
    dead = [decoded[DEAD], extracted[DEAD]]
    articles = extracted.articles
    if job.learn_boilerplate:
        # Opt-in: what a site's model has learned depends on which of its pages came first, so
        # bodies are no longer a function of the page alone (replays keep keys, not bytes).
        articles = articles | "LearnSiteBoilerplate" >> LearnSiteBoilerplate()
    articles = articles | "TagLanguages" >> TagLanguages()
    new_articles = articles
    if job.replay is not None:
        new_articles = articles | "SkipWarmUpArticles" >> beam.Filter(written_again)
    # What a sink refuses for good (too large, bad timestamp) becomes a `write` dead letter.
    refusals_to_dlq = {"dead_letter_topic": job.topics.dlq, "dead_letter_format": job.output_format}
    written = [
        new_articles
        | "EncodeArticles" >> EncodeArticles(job.output_format)
        | "WriteArticles" >> WriteToKafka(
            job.bootstrap, job.topics.articles, job.writer_config, **refusals_to_dlq, metric="articles_written")
    ]
    _to_lake(job, new_articles, "articles", "Article")
    if job.dedup:
        if job.dedups_in_one_group(sum(s.stop - s.start for s in slices) if slices else None):
            stories, links = articles | "DedupStoriesInOneGroup" >> DedupStoriesInOneGroup(
                job.horizon_ms, job.allowed_lateness_ms)
        else:
            stories, links = articles | "DedupStories" >> DedupStories(
                job.horizon_ms, job.allowed_lateness_ms, expire_state=job.mode == "streaming",
                settle_ms=job.early_firing_ms)
        written.append(
            stories
            | "EncodeStories" >> EncodeKeyed("Story", "story_id", job.output_format, "story_upserts")
            | "WriteStories" >> WriteToKafka(
                job.bootstrap, job.topics.stories, job.writer_config, **refusals_to_dlq)
        )
        written.append(
            links
            | "EncodeLinks" >> EncodeKeyed("StoryLink", "from_story", job.output_format, "links_emitted")
            | "WriteLinks" >> WriteToKafka(
                job.bootstrap, job.topics.links, job.writer_config, **refusals_to_dlq)
        )
        _to_lake(job, stories, "stories", "Story")
        _to_lake(job, links, "links", "StoryLink")
    dead = dead | "CollectDeadLetters" >> beam.Flatten()
    if job.replay is not None:
        dead = dead | "SkipWarmUpLetters" >> DropWarmUpLetters(job.replay)
    written.append(
        dead
        | "EncodeDeadLetters" >> EncodeDeadLetters(job.output_format)
        | "WriteDeadLetters" >> WriteToKafka(job.bootstrap, job.topics.dlq, job.writer_config, "dead_letters_written")
    )
    if job.commits_after_decisions:
        offsets = KafkaOffsets(job.bootstrap, job.topics.raw, job.group_id, job.consumer_config)
        (records, *written) | "CommitAfterDecisions" >> CommitAfterDecisions(offsets, job.allowed_lateness_ms)


def _to_lake(job: JobSettings, records: beam.PCollection, name: str, record_name: str) -> None:
    """The lake sink of one record type, when `output_dir` is set."""
    if job.output_dir:
        records | f"{name.capitalize()}ToLake" >> WriteToLake(job.output_dir, name, record_name, job.file_format)
