"""FlinkRunner settings: Beam's Flink job server, assembled by Maven and staged by path.

Beam's Python FlinkRunner downloads `beam-runners-flink-<flink>-job-server-<beam>.jar` at run time
unless given a path; this project never lets it. That prebuilt jar is not served by the registry
we build from, but `beam-runners-flink-<flink>:<beam>` and all its dependencies are, so
deploy/flink/pom.xml shades them into one runnable jar (main class FlinkJobServerDriver), built
once into the cache."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pipelines.config import DEPLOY_DIR, cache_dir
from pipelines.runners.artifacts import build_once
from pipelines.runners.flink_metrics import embedded_flink_metrics
from pipelines.versions import BEAM_VERSION, FLINK_MINOR

POM = DEPLOY_DIR / "flink" / "pom.xml"
# Flink on Java 17 needs these packages opened for its reflection-based serializers.
JAVA17_OPENS = (
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
)


class FlinkUnavailable(RuntimeError):
    """The Flink job server jar could not be assembled."""


def job_server_jar_path(beam: str = BEAM_VERSION, flink: str = FLINK_MINOR) -> Path:
    return cache_dir() / "jars" / f"beam-runners-flink-{flink}-job-server-{beam}.jar"


def ensure_job_server_jar(beam: str = BEAM_VERSION, flink: str = FLINK_MINOR) -> Path:
    """The job server jar: NEWSBEAM_FLINK_JOB_SERVER_JAR if set, else built once with Maven."""
    explicit = os.environ.get("NEWSBEAM_FLINK_JOB_SERVER_JAR")
    if explicit:
        return Path(explicit)
    mvn = shutil.which("mvn")

    def build(jar: Path) -> None:
        if not mvn:
            raise FlinkUnavailable("Maven (`mvn`) is needed to assemble the Flink job server jar")
        build_dir = cache_dir() / f"flink-build-{beam}-{flink}"
        build_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(POM, build_dir / "pom.xml")
        built = subprocess.run(
            [mvn, "-q", "-B", "-f", str(build_dir / "pom.xml"), "package",
             f"-Dbeam.version={beam}", f"-Dflink.minor={flink}"],
            capture_output=True, text=True,
        )
        shaded = build_dir / "target" / "newsbeam-flink-job-server.jar"
        if built.returncode != 0 or not shaded.exists():
            log = built.stdout[-2000:] + built.stderr[-2000:]
            raise FlinkUnavailable(f"building the Flink job server failed:\n{log}")
        shutil.move(str(shaded), jar)
        shutil.rmtree(build_dir / "target", ignore_errors=True)

    return build_once(job_server_jar_path(beam, flink), build, what="the Flink job server jar")


EMBEDDED_MASTERS = ("[local]", "[auto]")
ENDED_JOB_STATES = frozenset({"CANCELED", "FINISHED", "FAILED"})  # Flink job states with no way back


def on_cluster(flink_master: str) -> bool:
    """Whether `flink_master` is a cluster's REST address rather than the embedded mini cluster."""
    return flink_master not in EMBEDDED_MASTERS


def flink_args(flink_master: str, metrics_port: int | str | None = None, worker_pool: str | None = None,
               checkpoints: Path | None = None, restore_from: str | None = None) -> list[str]:
    """Beam options for FlinkRunner: staged jar, EXTERNAL worker pool on a cluster; locally, the
    local pool at `worker_pool` if one was started (runners/local_workers.py), else LOOPBACK.

    With `metrics_port` (a port or range such as "9250-9260"), the embedded Flink gets the
    Prometheus reporter (deploy/flink/conf) and publishes the pipeline's counters itself. With
    `checkpoints`, the embedded Flink keeps its completed checkpoints in that folder, also after
    the job is gone (so `--restore latest` can resume it), instead of in its JobManager's memory.
    Both reach the job server subprocess through FLINK_CONF_DIR (launch.run puts it back after).
    `restore_from`: a checkpoint or savepoint to start from. Beam's job server applies
    `--savepoint_path` only to a job it submits to a cluster; the embedded Flink takes it from
    its configuration (`execution.savepoint.path`)."""
    jar = ensure_job_server_jar()
    if metrics_port is not None and not on_cluster(flink_master):
        env = embedded_flink_metrics(jar, metrics_port)
        os.environ["FLINK_CONF_DIR"] = env["FLINK_CONF_DIR"]  # read by the job server subprocess
        jar = Path(env["NEWSBEAM_FLINK_JOB_SERVER_JAR"])
    if checkpoints is not None and not on_cluster(flink_master):
        os.environ["FLINK_CONF_DIR"] = str(conf_with_checkpoints(os.environ.get("FLINK_CONF_DIR"), checkpoints,
                                                                 restore_from))
    args = [
        f"--flink_job_server_jar={jar}",
        f"--flink_master={flink_master}",
        f"--flink_version={FLINK_MINOR}",
    ]
    args += [f"--job_server_jvm_property={opt}" for opt in JAVA17_OPENS]
    if not on_cluster(flink_master):
        # The embedded Flink's workers: inside this process, or the local pool's processes.
        args += ["--environment_type=LOOPBACK"] if worker_pool is None else \
            ["--environment_type=EXTERNAL", f"--environment_config={worker_pool}"]
    else:
        if restore_from:
            args.append(f"--savepoint_path={restore_from}")
        pool = worker_pool or os.environ.get("NEWSBEAM_WORKER_POOL", "localhost:50000")
        args += ["--environment_type=EXTERNAL", f"--environment_config={pool}"]
    return args


CONF_FILE = "flink-conf.yaml"
SAVEPOINT_PATH = "execution.savepoint.path"


def checkpoint_settings(checkpoints: Path, restore_from: str | None = None) -> dict[str, str]:
    """Where completed checkpoints go, kept when the job is cancelled or fails (the cluster's
    SHARED_SETTINGS say the same), and the checkpoint to start from, if any."""
    settings = {"state.checkpoints.dir": checkpoints.as_uri(),
                "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION"}
    if restore_from:
        settings[SAVEPOINT_PATH] = restore_from
    return settings


def conf_with_checkpoints(base_dir: str | None, checkpoints: Path, restore_from: str | None = None) -> Path:
    """A Flink conf dir next to `checkpoints`: the flink-conf.yaml of `base_dir` (the reporter's,
    or the user's FLINK_CONF_DIR), if any, with the checkpoint settings set."""
    settings = checkpoint_settings(checkpoints, restore_from)
    lines = []
    base = Path(base_dir) / CONF_FILE if base_dir else None
    if base is not None and base.is_file():
        ours = {*settings, SAVEPOINT_PATH}  # a restore is for one start only
        lines = [line for line in base.read_text().splitlines() if line.split(":", 1)[0].strip() not in ours]
    lines += [f"{key}: {value}" for key, value in settings.items()]
    target = checkpoints.parent / "conf"
    target.mkdir(parents=True, exist_ok=True)
    (target / CONF_FILE).write_text("\n".join(lines) + "\n")
    checkpoints.mkdir(parents=True, exist_ok=True)
    return target


def cluster_jobs_named(flink_master: str, job_name: str) -> list[dict]:
    """The jobs named `job_name` on the cluster at `flink_master` (Flink's REST job overview)."""
    import json
    import urllib.request

    base = "http://" + flink_master.removeprefix("http://").rstrip("/")
    with urllib.request.urlopen(f"{base}/jobs/overview", timeout=5) as response:
        return [j for j in json.loads(response.read())["jobs"] if j["name"] == job_name]


def cancel_cluster_job(flink_master: str, job_name: str, timeout_s: float = 60.0) -> list[str]:
    """Cancel the jobs named `job_name` still running on the cluster at `flink_master`, through
    Flink's REST API, and wait until they have ended; returns their Flink job ids.

    Why: Beam's Flink job server cancels only its own invocation; a job it submitted to a remote
    cluster went on running there (and its SDK workers with it) after the launcher cancelled."""
    import time
    import urllib.request

    base = "http://" + flink_master.removeprefix("http://").rstrip("/")

    mine = [j["jid"] for j in cluster_jobs_named(flink_master, job_name) if j["state"] not in ENDED_JOB_STATES]
    for jid in mine:
        request = urllib.request.Request(f"{base}/jobs/{jid}?mode=cancel", method="PATCH")
        urllib.request.urlopen(request, timeout=5).close()
    deadline = time.monotonic() + timeout_s
    while any(j["state"] not in ENDED_JOB_STATES
              for j in cluster_jobs_named(flink_master, job_name) if j["jid"] in mine):
        if time.monotonic() > deadline:
            raise RuntimeError(f"Flink jobs {mine} named {job_name} did not end within {timeout_s:.0f} s of cancel")
        time.sleep(0.5)
    return mine
