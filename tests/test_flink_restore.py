"""`--restore latest`: which retained checkpoint a restarted streaming job resumes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import JobSettings, Topics
from pipelines.runners import flink_restore
from pipelines.runners.flink_restore import (
    LATEST,
    NoCheckpoint,
    latest_checkpoint,
    newest_checkpoint,
    record_submission,
    submitted_jobs,
)


def _job(group: str = "g", prefix: str = "a.") -> JobSettings:
    return JobSettings(bootstrap="127.0.0.1:9092", topics=Topics(prefix=prefix), group_id=group,
                       runner="FlinkRunner", flink_master="127.0.0.1:8081", mode="streaming")


def _checkpoint(state_dir: Path, flink_job_id: str, number: int, complete: bool = True) -> Path:
    folder = state_dir / "checkpoints" / flink_job_id / f"chk-{number}"
    folder.mkdir(parents=True)
    if complete:
        (folder / "_metadata").write_bytes(b"\x00")
    return folder


def test_the_newest_complete_checkpoint_of_a_job_is_chosen_by_number(tmp_path: Path) -> None:
    _checkpoint(tmp_path, "j1", 9)
    newest = _checkpoint(tmp_path, "j1", 12)
    _checkpoint(tmp_path, "j1", 13, complete=False)  # cut off by the crash: no _metadata
    (tmp_path / "checkpoints" / "j1" / "shared").mkdir()
    assert newest_checkpoint("j1", tmp_path) == newest
    assert newest_checkpoint("unknown", tmp_path) is None


def test_latest_is_the_newest_submission_of_the_same_pipeline_that_left_a_checkpoint(tmp_path: Path) -> None:
    job, other = _job(), _job(group="another")
    record_submission(job, "old", tmp_path)
    record_submission(job, "crashed-before-its-first-checkpoint", tmp_path)
    record_submission(other, "other-pipeline", tmp_path)
    old = _checkpoint(tmp_path, "old", 40)
    _checkpoint(tmp_path, "other-pipeline", 99)
    assert submitted_jobs(job, tmp_path) == ["crashed-before-its-first-checkpoint", "old"]
    assert latest_checkpoint(job, tmp_path) == old
    newer = _checkpoint(tmp_path, "crashed-before-its-first-checkpoint", 2)
    assert latest_checkpoint(job, tmp_path) == newer
    assert latest_checkpoint(other, tmp_path).parent.name == "other-pipeline"


def test_no_checkpoint_says_which_pipeline_and_where_it_looked(tmp_path: Path) -> None:
    job = _job(prefix="fresh.")
    with pytest.raises(NoCheckpoint, match="fresh.news.pages.raw.v1") as raised:
        latest_checkpoint(job, tmp_path)
    assert str(tmp_path / "checkpoints") in str(raised.value)


def test_restore_becomes_the_savepoint_path_on_a_cluster_and_is_refused_embedded(tmp_path, monkeypatch) -> None:
    from pipelines.runners import flink_cluster
    from pipelines.runners.options import beam_options

    monkeypatch.setattr(flink_cluster, "cluster_state_dir", lambda: tmp_path)
    monkeypatch.setattr("pipelines.runners.flink.ensure_job_server_jar", lambda: tmp_path / "job-server.jar")
    job = _job()
    record_submission(job, "j1", tmp_path)
    folder = _checkpoint(tmp_path, "j1", 3)
    job.restore = LATEST
    args = beam_options(job).get_all_options(retain_unknown_options=True)
    assert args["savepoint_path"] == str(folder)
    job.restore = "/somewhere/savepoint-1"
    assert beam_options(job).get_all_options(retain_unknown_options=True)["savepoint_path"] == "/somewhere/savepoint-1"
    assert flink_restore.pipeline_identity(_job()) != flink_restore.pipeline_identity(_job(group="g2"))


def test_the_embedded_flink_keeps_each_pipelines_checkpoints_in_a_folder_of_its_own(tmp_path, monkeypatch) -> None:
    import os

    import yaml

    from pipelines.runners.options import beam_options

    monkeypatch.setattr(flink_restore, "cache_dir", lambda: tmp_path)
    monkeypatch.setattr("pipelines.runners.flink.ensure_job_server_jar", lambda: tmp_path / "job-server.jar")
    user_conf = tmp_path / "user-conf"
    user_conf.mkdir()
    (user_conf / "flink-conf.yaml").write_text("taskmanager.numberOfTaskSlots: 3\nstate.checkpoints.dir: file:///x\n")
    monkeypatch.setenv("FLINK_CONF_DIR", str(user_conf))
    job = _job()
    job.flink_master = "[local]"
    beam_options(job)
    conf = yaml.safe_load((Path(os.environ["FLINK_CONF_DIR"]) / "flink-conf.yaml").read_text())
    folder = flink_restore.embedded_checkpoints_dir(job)
    assert conf["state.checkpoints.dir"] == folder.as_uri() and folder.is_dir()
    assert conf["execution.checkpointing.externalized-checkpoint-retention"] == "RETAIN_ON_CANCELLATION"
    assert conf["taskmanager.numberOfTaskSlots"] == 3, "the user's own settings are kept"
    assert folder != flink_restore.embedded_checkpoints_dir(_job(group="other"))

    job.restore = LATEST
    with pytest.raises(NoCheckpoint, match=str(folder)):
        beam_options(job)
    older = _checkpoint(folder.parent, "run-1", 7)
    newer = _checkpoint(folder.parent, "run-2", 1)  # a later job restarts its numbering
    os.utime(older / "_metadata", (1, 1))
    options = beam_options(job).get_all_options(retain_unknown_options=True)
    # Beam's job server applies --savepoint_path to cluster jobs only: the embedded Flink reads it
    # from its configuration.
    assert "savepoint_path" not in options
    conf = yaml.safe_load((Path(os.environ["FLINK_CONF_DIR"]) / "flink-conf.yaml").read_text())
    assert conf["execution.savepoint.path"] == str(newer)
    job.restore = None
    beam_options(job)
    conf = yaml.safe_load((Path(os.environ["FLINK_CONF_DIR"]) / "flink-conf.yaml").read_text())
    assert "execution.savepoint.path" not in conf, "a restore is for the one start that asked for it"
