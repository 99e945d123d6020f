"""Dedup in Beam keyed state: documents per second and bytes of state per document, in one run.

    python -m benchmarks.dedup_beam [--events 600] [--workers 1]

Runs DedupStories (pipelines/beam/steps/dedup/) on the bounded DirectRunner over labeled generator
documents, and the offline story rule (pipelines/core/dedup/stories.py) on the same documents as the
baseline. Prints one JSON line:

- `docs_per_s` (Beam, whole job including start-up) and `ratio_vs_offline`: Beam's overhead over
  the same rule in plain Python, the figure to track (absolute rates move with the machine);
- `state_bytes_per_doc`: bytes the similarity index holds for the horizon (bucket entries, the
  fingerprint, each page's story, the stories its pairs linked, expiry bookkeeping, keys once each;
  a rewritten cell counts at its final size),
  divided by the documents; `story_state_bytes_per_story` / `_per_doc`: the stories' own state
  (a summary per member, the canonical member in full, since story records carry its body); a
  bounded run expires nothing before the end, so this is what each document costs
  while it is inside the horizon. `transient_bytes_per_doc`: state kept only until the document's
  story is decided (the document itself, edges, waiting links);
- `precision`/`recall`: Beam's story membership against the labels, and `agrees_with_offline`:
  whether Beam put every document in the story the offline rule chose."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions

from benchmarks.dedup import labeled_items
from pipelines.beam import sdk_patches
from pipelines.beam.steps.dedup import DedupStories
from pipelines.core import codecs
from pipelines.core.dedup.signature import event_time_ms
from pipelines.core.dedup.stories import HORIZON_MS, cluster
from pipelines.quality.evaluation.dedup import pairwise, to_doc
from pipelines.runners.launch import counters


def as_articles(docs: list[dict]) -> list[dict]:
    """Labeled documents as the articles DedupStories takes (no related-news items)."""
    return [{**d, "fetched_at": d["published_at"], "language_confidence": 0.0, "related": []} for d in docs]


def run_beam(articles: list[dict], workers: int, out_dir: Path) -> tuple[float, dict[str, int], dict[str, str],
                                                                        dict[str, str]]:
    """(docs/s, counters, page_id → story_id, story_id → story it was merged into)."""
    mode = "multi_processing" if workers > 1 else "in_memory"
    options = PipelineOptions(["--runner=DirectRunner", f"--direct_num_workers={workers}",
                               f"--direct_running_mode={mode}"])
    prefix = str(out_dir / "stories")
    sdk_patches.install("DirectRunner")  # as runners/launch.py does for the job
    start = time.perf_counter()
    p = beam.Pipeline(options=options)
    stories, _links = (
        p
        | "Articles" >> beam.Create(articles)
        | "Stamp" >> beam.Map(lambda a: beam.window.TimestampedValue(a, event_time_ms(a) / 1000))
        | "Dedup" >> DedupStories(HORIZON_MS, 60_000)
    )
    stories | "ToJson" >> beam.Map(lambda s: codecs.to_json(s).decode()) | "Write" >> beam.io.WriteToText(prefix)
    result = p.run()
    result.wait_until_finish()
    seconds = time.perf_counter() - start
    final: dict[str, dict] = {}
    for path in out_dir.glob("stories*"):
        for line in path.read_text().splitlines():
            story = json.loads(line)
            old = final.get(story["story_id"])
            if old is None or story["version"] > old["version"]:
                final[story["story_id"]] = story
    membership = {m["page_id"]: sid for sid, story in final.items() for m in story["members"]}
    merged = {sid: story["merged_into"] for sid, story in final.items() if story["merged_into"]}
    return len(articles) / seconds, counters(result), membership, merged


def _root(story_id: str, merged: dict[str, str]) -> str:
    seen = {story_id}
    while story_id in merged and merged[story_id] not in seen:
        story_id = merged[story_id]
        seen.add(story_id)
    return story_id


def build_parser() -> argparse.ArgumentParser:
    """This benchmark's options (also listed by `newsbeam bench -h`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=600, help="generator events (about 4 documents each)")
    parser.add_argument("--workers", type=int, default=1, help="DirectRunner worker processes")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    items = labeled_items(args.events)
    docs = [to_doc(item) for item in items]
    truth = {str(item["id"]): str(item["cluster"]) for item in items}
    cluster(docs[:50])  # warm imports and tables

    start = time.perf_counter()
    offline = cluster(docs)
    offline_rate = len(docs) / (time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        rate, job, beam_story, merged = run_beam(as_articles(docs), args.workers, Path(tmp))
    n = job.get("dedup_docs", 0)
    report = {
        "bench": "dedup_beam", "n": len(docs), "workers": args.workers,
        "docs_per_s": round(rate, 1), "baseline_offline_docs_per_s": round(offline_rate, 1),
        "ratio_vs_offline": round(rate / offline_rate, 4),
        "state_bytes_per_doc": round(job.get("dedup_state_bytes", 0) / n, 1) if n else None,
        "transient_bytes_per_doc": round(job.get("dedup_state_bytes_transient", 0) / n, 1) if n else None,
        "story_state_bytes_per_story": round(
            job.get("dedup_story_state_bytes", 0) / max(job.get("stories_created", 0), 1), 1),
        "story_state_bytes_per_doc": round(job.get("dedup_story_state_bytes", 0) / n, 1) if n else None,
        "goal_state_bytes_per_doc": 800,
        "stories": job.get("stories_created", 0),
        "agrees_with_offline": beam_story == offline.story_of,
    }
    pred = {pid: _root(beam_story.get(pid, pid), merged) for pid in truth}
    precision, recall, f1 = pairwise(truth, pred)
    report.update(precision=round(precision, 4), recall=round(recall, 4), f1=round(f1, 4))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
