"""FlinkRunner settings: Beam's Flink job server jar, fetched with Maven and staged by path.

Beam's Python FlinkRunner downloads the job server jar at run time unless it is given a path; this
project never lets it. `ensure_job_server_jar()` asks Maven for
`org.apache.beam:beam-runners-flink-<flink>-job-server:<beam>` and fails with a clear message when
the registry does not serve it (the case on the current build machines: see README)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pipelines.config import cache_dir
from pipelines.versions import BEAM_VERSION

FLINK_VERSION = os.environ.get("NEWSBEAM_FLINK_VERSION", "1.20")
# Flink on Java 17 needs these opened for its reflection-based serializers.
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
    """The Flink job server jar cannot be had from the configured registries."""


def job_server_artifact(flink: str = FLINK_VERSION, beam: str = BEAM_VERSION) -> str:
    return f"org.apache.beam:beam-runners-flink-{flink}-job-server:{beam}"


def ensure_job_server_jar(flink: str = FLINK_VERSION, beam: str = BEAM_VERSION) -> Path:
    """The job server jar's path: an explicit NEWSBEAM_FLINK_JOB_SERVER_JAR, the cache, or Maven."""
    explicit = os.environ.get("NEWSBEAM_FLINK_JOB_SERVER_JAR")
    if explicit:
        return Path(explicit)
    name = f"beam-runners-flink-{flink}-job-server-{beam}.jar"
    target = cache_dir() / "jars" / name
    if target.exists():
        return target
    mvn = shutil.which("mvn")
    if not mvn:
        raise FlinkUnavailable("Maven (`mvn`) is needed to fetch the Flink job server jar")
    artifact = job_server_artifact(flink, beam)
    fetched = subprocess.run(
        [mvn, "-q", "-B", "dependency:get", f"-Dartifact={artifact}", "-Dtransitive=false"],
        capture_output=True, text=True,
    )
    local = Path.home() / ".m2" / "repository" / "org" / "apache" / "beam" / \
        f"beam-runners-flink-{flink}-job-server" / beam / name
    if fetched.returncode != 0 or not local.exists():
        raise FlinkUnavailable(f"Maven does not serve {artifact}: cannot run on Flink here")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(local, target)
    return target


def flink_args(flink_master: str) -> list[str]:
    """Beam options for FlinkRunner: staged jar, LOOPBACK locally, EXTERNAL worker pool on a cluster."""
    jar = ensure_job_server_jar()
    args = [
        f"--flink_job_server_jar={jar}",
        f"--flink_master={flink_master}",
        f"--flink_version={FLINK_VERSION}",
    ]
    args += [f"--job_server_jvm_property={opt}" for opt in JAVA17_OPENS]
    if flink_master in ("[local]", "[auto]"):
        args.append("--environment_type=LOOPBACK")
    else:
        args += ["--environment_type=EXTERNAL", "--environment_config=localhost:50000"]
    return args
