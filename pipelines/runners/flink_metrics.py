"""Flink's Prometheus reporter for the embedded Flink of Beam's job server.

Why this is needed: the job server jar (deploy/flink/pom.xml) carries Flink's runtime but not its
metric reporters, and Beam's Python FlinkRunner starts it with `java -jar`, which ignores -cp. So
the reporter jar is fetched by Maven (deploy/flink/metrics/pom.xml, once, into the cache) and a
small launcher jar is written whose manifest names the job server jar and the reporter jar on its
Class-Path. The reporter is configured by deploy/flink/conf/flink-conf.yaml, which the job server
reads from FLINK_CONF_DIR (both Beam's environment setup and its metric-name delimiter load the
global configuration from there). Nothing is downloaded at run time.

On a Kubernetes session cluster none of this is used: the Flink image ships the reporter under
plugins/metrics-prometheus and deploy/k8s/flink-session.yaml enables it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

from pipelines.config import DEPLOY_DIR, cache_dir
from pipelines.runners.artifacts import build_once
from pipelines.versions import BEAM_VERSION, FLINK_MINOR

METRICS_POM = DEPLOY_DIR / "flink" / "metrics" / "pom.xml"
CONF_DIR = DEPLOY_DIR / "flink" / "conf"
# The newest 1.19 patch release of the reporter Maven serves here (1.19.0 itself is not served);
# reporters only use the stable flink-metrics-core API, so 1.19.1 runs on the job server's 1.19.0.
REPORTER_VERSION = "1.19.1"
REPORTER_FACTORY = "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
JOB_SERVER_MAIN = "org.apache.beam.runners.flink.FlinkJobServerDriver"


class FlinkMetricsUnavailable(RuntimeError):
    """The reporter jar could not be fetched."""


def reporter_jar(version: str = REPORTER_VERSION) -> Path:
    return cache_dir() / "jars" / f"flink-metrics-prometheus-{version}" / f"flink-metrics-prometheus-{version}.jar"


def ensure_reporter_jar(version: str = REPORTER_VERSION) -> Path:
    """The flink-metrics-prometheus jar, fetched with Maven once into the cache."""
    target = reporter_jar(version)
    mvn = shutil.which("mvn")

    def fetch(directory: Path) -> None:
        if not mvn:
            raise FlinkMetricsUnavailable("Maven (`mvn`) is needed once to fetch flink-metrics-prometheus")
        proc = subprocess.run(
            [mvn, "-q", "-B", "-f", str(METRICS_POM), "dependency:copy-dependencies",
             f"-Dflink.version={version}", f"-DoutputDirectory={directory}"],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode != 0 or not (directory / target.name).is_file():
            raise FlinkMetricsUnavailable(f"fetching {target.name} failed:\n{(proc.stdout + proc.stderr)[-2000:]}")

    build_once(target.parent, fetch, what=target.name, complete=lambda _: target.is_file())
    return target


def launcher_jar(job_server_jar: Path, reporter: Path) -> Path:
    """A manifest-only jar: Main-Class = the job server driver, Class-Path = job server + reporter.

    Written next to the job server jar (Class-Path entries are URLs relative to the launcher),
    named after both inputs so a new Beam or reporter version gets a new launcher."""
    job_server_jar, reporter = job_server_jar.resolve(), reporter.resolve()
    target = job_server_jar.parent / f"{job_server_jar.stem}-with-{reporter.stem}.jar"
    entries = [os.path.relpath(p, target.parent).replace(os.sep, "/") for p in (job_server_jar, reporter)]
    manifest = "Manifest-Version: 1.0\r\n" + f"Main-Class: {JOB_SERVER_MAIN}\r\n" + _manifest_line(
        "Class-Path: " + " ".join(entries)) + "\r\n"
    if target.is_file():
        with zipfile.ZipFile(target) as jar:
            if jar.read("META-INF/MANIFEST.MF").decode() == manifest:
                return target
    tmp = target.with_suffix(f".tmp-{os.getpid()}")
    with zipfile.ZipFile(tmp, "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", manifest)
    tmp.replace(target)
    return target


def _manifest_line(text: str) -> str:
    """Manifest lines are at most 72 bytes; continuation lines start with one space."""
    raw = text.encode()
    chunks = [raw[:70]] + [raw[i:i + 69] for i in range(70, len(raw), 69)]
    return "\r\n ".join(c.decode() for c in chunks) + "\r\n"


def write_conf_dir(directory: Path, port: int | str = "9250-9260") -> Path:
    """A Flink conf dir: deploy/flink/conf/flink-conf.yaml with the reporter's port (or range) set."""
    directory.mkdir(parents=True, exist_ok=True)
    lines = []
    for line in (CONF_DIR / "flink-conf.yaml").read_text().splitlines():
        if line.startswith("metrics.reporter.prom.port:"):
            line = f"metrics.reporter.prom.port: {port}"
        lines.append(line)
    (directory / "flink-conf.yaml").write_text("\n".join(lines) + "\n")
    return directory


def embedded_flink_metrics(job_server_jar: Path, port: int | str = "9250-9260",
                           conf_dir: Path | None = None) -> dict[str, str]:
    """Everything the FlinkRunner launcher needs for the reporter, as environment variables:
    NEWSBEAM_FLINK_JOB_SERVER_JAR (the launcher jar around `job_server_jar`, from
    pipelines.runners.flink) and FLINK_CONF_DIR (`conf_dir`, default a directory per port in the cache)."""
    jar = launcher_jar(job_server_jar, ensure_reporter_jar())
    conf = write_conf_dir(conf_dir or cache_dir() / "flink-conf" / f"prom-{port}", port)
    (conf / "newsbeam.json").write_text(json.dumps({"beam": BEAM_VERSION, "flink": FLINK_MINOR, "port": str(port)}))
    return {"NEWSBEAM_FLINK_JOB_SERVER_JAR": str(jar), "FLINK_CONF_DIR": str(conf)}
