"""Restarting a streaming job on a Flink cluster from its own last retained checkpoint.

A job lost as a whole (JobManager or machine gone, no HA) leaves its checkpoints on disk: the
cluster retains them on cancellation and failure (flink_cluster.SHARED_SETTINGS). Flink names
their folders by its random job id, so the launcher writes down, for every streaming job it
submits, which Flink job ran for which pipeline: the pipeline's identity is the broker, the raw
topic and the consumer group, the things that decide what its state holds. `newsbeam run
--restore latest` then resumes from the newest complete checkpoint (`chk-N/_metadata`) of the
newest of those jobs, and never from a checkpoint of another pipeline that shares the cluster.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

from pipelines.config import JobSettings, cache_dir
from pipelines.runners.flink import ENDED_JOB_STATES, cluster_jobs_named

LOG = logging.getLogger(__name__)
LATEST = "latest"
SUBMISSIONS_DIR = "submissions"
CHECKPOINTS_DIR = "checkpoints"


class NoCheckpoint(RuntimeError):
    """`--restore latest` found no retained checkpoint of this pipeline."""


def pipeline_identity(job: JobSettings) -> str:
    """A file-name-safe key for (broker, raw topic, consumer group): one pipeline's state."""
    text = "\n".join((job.bootstrap, job.topics.raw, job.group_id or ""))
    return hashlib.blake2b(text.encode(), digest_size=10, person=b"nb-restore").hexdigest()


def _submissions_file(job: JobSettings, state_dir: Path) -> Path:
    return state_dir / SUBMISSIONS_DIR / f"{pipeline_identity(job)}.jsonl"


def record_submission(job: JobSettings, flink_job_id: str, state_dir: Path) -> None:
    """Append the Flink job id that now runs this pipeline (oldest first)."""
    path = _submissions_file(job, state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"flink_job_id": flink_job_id, "submitted_ms": int(time.time() * 1000),
                       "group_id": job.group_id, "topic": job.topics.raw})
    with path.open("a") as out:
        out.write(line + "\n")


def submitted_jobs(job: JobSettings, state_dir: Path) -> list[str]:
    """Flink job ids that ran this pipeline, newest first."""
    path = _submissions_file(job, state_dir)
    if not path.exists():
        return []
    ids = [json.loads(line)["flink_job_id"] for line in path.read_text().splitlines() if line.strip()]
    return list(reversed(ids))


def newest_checkpoint(flink_job_id: str, state_dir: Path) -> Path | None:
    """The job's newest complete checkpoint folder: Flink writes `_metadata` last, so a folder
    without it is a checkpoint that was cut off and cannot be restored."""
    folder = state_dir / CHECKPOINTS_DIR / flink_job_id
    complete = [(int(p.name.split("-", 1)[1]), p) for p in folder.glob("chk-*")
                if p.name.split("-", 1)[1].isdigit() and (p / "_metadata").is_file()]
    return max(complete)[1] if complete else None


def latest_checkpoint(job: JobSettings, state_dir: Path) -> Path:
    """The checkpoint `--restore latest` resumes from; NoCheckpoint says why there is none."""
    jobs = submitted_jobs(job, state_dir)
    for flink_job_id in jobs:
        found = newest_checkpoint(flink_job_id, state_dir)
        if found is not None:
            return found
    raise NoCheckpoint(
        f"no retained checkpoint of the pipeline reading {job.topics.raw} as group {job.group_id!r} at "
        f"{job.bootstrap} under {state_dir / CHECKPOINTS_DIR} ({len(jobs)} earlier submissions recorded); "
        "start it without --restore")


def embedded_checkpoints_dir(job: JobSettings) -> Path:
    """Where the embedded Flink keeps this pipeline's checkpoints: a folder of its own, so every
    job id under it ran this pipeline."""
    return cache_dir() / "flink-embedded" / pipeline_identity(job) / CHECKPOINTS_DIR


def latest_embedded_checkpoint(job: JobSettings) -> Path:
    folder = embedded_checkpoints_dir(job)
    found = [newest for run in folder.glob("*") if (newest := newest_checkpoint(run.name, folder.parent)) is not None]
    if not found:
        raise NoCheckpoint(f"no retained checkpoint of the pipeline reading {job.topics.raw} as group "
                           f"{job.group_id!r} at {job.bootstrap} under {folder}; start it without --restore")
    return max(found, key=lambda path: (path / "_metadata").stat().st_mtime)


def restore_path(job: JobSettings, state_dir: Path | None) -> str:
    """What `--savepoint_path` gets: the latest checkpoint (of the cluster under `state_dir`, or
    of the embedded Flink when None), or the path the user gave."""
    if job.restore == LATEST:
        return str(latest_checkpoint(job, state_dir) if state_dir is not None else latest_embedded_checkpoint(job))
    return job.restore or ""


def find_job_id(rest_address: str, job_name: str, timeout_s: float = 120.0) -> str | None:
    """The Flink job id of the running job named `job_name` (submission is asynchronous)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            jobs = cluster_jobs_named(rest_address, job_name)
        except OSError:
            jobs = []
        live = sorted((j["start-time"], j["jid"]) for j in jobs if j["state"] not in ENDED_JOB_STATES)
        if live:
            return live[-1][1]
        time.sleep(1)
    return None
