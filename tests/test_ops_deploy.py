"""Deployment as code: manifests parse and the fields that matter agree with the code."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
import yaml

from pipelines.config import DEPLOY_DIR, Topics
from pipelines.kafka.admin import TOPIC_CONFIGS, topic_specs
from pipelines.ops import manifests
from pipelines.runners import flink_metrics
from pipelines.runners.worker_pool import pool_settings
from pipelines.versions import BEAM_VERSION, FLINK_MINOR, FLINK_VERSION

K8S = DEPLOY_DIR / "k8s"


def load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def by_kind(path: Path, kind: str) -> dict:
    (doc,) = [d for d in load_all(path) if d["kind"] == kind]
    return doc


def container(pod_spec: dict, name: str) -> dict:
    (found,) = [c for c in pod_spec["containers"] if c["name"] == name]
    return found


def test_strimzi_topics_equal_what_topics_create_applies():
    docs = load_all(K8S / "kafka-topics.yaml")
    specs = topic_specs(Topics(""))
    assert [d["spec"]["topicName"] for d in docs] == list(specs)
    for doc in docs:
        spec = specs[doc["spec"]["topicName"]]
        assert doc["apiVersion"] == "kafka.strimzi.io/v1beta2" and doc["kind"] == "KafkaTopic"
        assert doc["metadata"]["labels"]["strimzi.io/cluster"] == manifests.STRIMZI_CLUSTER
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", doc["metadata"]["name"])  # a valid k8s name
        assert doc["spec"]["partitions"] == spec.partitions
        assert {k: str(v) for k, v in doc["spec"]["config"].items()} == dict(spec.configs)
    stories = next(d for d in docs if d["metadata"]["labels"]["newsbeam.io/topic-role"] == "stories")
    assert stories["spec"]["config"]["cleanup.policy"] == "compact"


def test_flink_session_deployment():
    dep = by_kind(K8S / "flink-session.yaml", "FlinkDeployment")
    spec, conf = dep["spec"], dep["spec"]["flinkConfiguration"]
    assert dep["apiVersion"] == "flink.apache.org/v1beta1"
    assert "job" not in spec, "a session cluster: jobs are submitted by the Beam job server"
    assert spec["flinkVersion"] == "v" + FLINK_MINOR.replace(".", "_")
    assert spec["image"] == f"flink:{FLINK_VERSION}-java17", "the Flink of Beam's runner, as the local cluster"
    # checkpointing and savepoints, on storage that outlives pods
    assert conf["state.checkpoints.dir"].startswith("file:///flink-data/")
    assert conf["state.savepoints.dir"].startswith("file:///flink-data/")
    assert conf["execution.checkpointing.interval"]
    assert conf["execution.checkpointing.externalized-checkpoint-retention"] == "RETAIN_ON_CANCELLATION"
    # metrics: the same reporter and delimiter as the embedded Flink (names must line up)
    local = yaml.safe_load((DEPLOY_DIR / "flink" / "conf" / "flink-conf.yaml").read_text())
    assert conf["metrics.reporter.prom.factory.class"] == local["metrics.reporter.prom.factory.class"] \
        == flink_metrics.REPORTER_FACTORY
    assert conf["metrics.scope.delimiter"] == local["metrics.scope.delimiter"] == "."
    # parallelism <= raw partitions, and enough slots for it
    parallelism = int(conf["parallelism.default"])
    slots = int(conf["taskmanager.numberOfTaskSlots"]) * spec["taskManager"]["replicas"]
    assert parallelism <= TOPIC_CONFIGS["raw"].partitions
    assert slots >= parallelism
    # the Beam worker pool sidecar on port 50000, with the project image
    tm = spec["taskManager"]["podTemplate"]["spec"]
    pool = container(tm, "beam-worker-pool")
    assert pool["image"].endswith("/newsbeam/worker:0.1.0")
    assert pool["args"] == ["--service-port=50000", "--state-cache-mb=256", "--flink-rest=newsbeam-rest.newsbeam:8081"]
    assert pool_settings(pool["args"]) == {"port": 50000, "bind": "127.0.0.1", "state_cache_size": 256 << 20,
                                           "container_executable": None, "flink_rest": "newsbeam-rest.newsbeam:8081"}
    assert [p["containerPort"] for p in pool["ports"]] == [50000]
    main = container(tm, "flink-main-container")
    assert {"name": "metrics", "containerPort": int(conf["metrics.reporter.prom.port"])} in main["ports"]
    mounted = {m["mountPath"] for m in main["volumeMounts"]}
    assert "/flink-data" in mounted
    claims = {v["persistentVolumeClaim"]["claimName"] for v in tm["volumes"] if "persistentVolumeClaim" in v}
    pvc = by_kind(K8S / "flink-session.yaml", "PersistentVolumeClaim")
    assert pvc["metadata"]["name"] in claims and "ReadWriteMany" in pvc["spec"]["accessModes"]


def test_kubernetes_cluster_runs_what_the_local_cluster_runs():
    """The settings every project Flink cluster shares, and the worker pool entry point, are the
    same in deploy/k8s, deploy/docker and `newsbeam flink start` (pipelines/runners/flink_cluster.py)."""
    from pipelines.runners import flink_cluster

    conf = by_kind(K8S / "flink-session.yaml", "FlinkDeployment")["spec"]["flinkConfiguration"]
    for key, value in flink_cluster.SHARED_SETTINGS.items():
        assert str(conf[key]).split() == value.split(), key
    rendered = yaml.safe_load(flink_cluster.write_config(Path(tempfile.mkdtemp()), Path(tempfile.mkdtemp()),
                                                         8081, 6123, 2).read_text())
    for key, value in flink_cluster.SHARED_SETTINGS.items():
        assert str(rendered[key]) == value, key
    binds = ("jobmanager.bind-host", "taskmanager.bind-host", "rest.bind-address")
    assert all(rendered[k] == "127.0.0.1" for k in binds)
    docker = (DEPLOY_DIR / "docker" / "Dockerfile").read_text()
    assert f'ENTRYPOINT ["python", "-m", "{flink_cluster.WORKER_POOL_MODULE}"]' in docker
    assert importlib.util.find_spec(flink_cluster.WORKER_POOL_MODULE) is not None


def test_submit_job_and_exporter():
    job = by_kind(K8S / "newsbeam-submit.yaml", "Job")
    sub = container(job["spec"]["template"]["spec"], "submit")
    args = sub["args"]
    assert sub["command"] == ["newsbeam"] and "run" in args
    for wanted in ("--runner=FlinkRunner", "--mode=streaming", "--environment_type=EXTERNAL",
                   "--environment_config=localhost:50000"):
        assert wanted in args
    assert any(a.startswith("--flink-master=") and a.endswith(":8081") for a in args)
    parallelism = int(next(a.split("=", 1)[1] for a in args if a.startswith("--parallelism=")))
    assert parallelism <= TOPIC_CONFIGS["raw"].partitions
    # Beam options go after "--" (newsbeam run passes them through)
    assert args.index("--") < args.index("--environment_type=EXTERNAL")
    exporter = by_kind(K8S / "newsbeam-submit.yaml", "Deployment")
    pod = exporter["spec"]["template"]
    ex = container(pod["spec"], "exporter")
    assert ex["args"][1:3] == ["metrics", "serve"] and "--port=9310" in ex["args"]
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == "9310"


def test_dockerfile_worker_image():
    text = (DEPLOY_DIR / "docker" / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["python", "-m", "pipelines.runners.worker_pool"]' in text
    assert 'CMD ["--service-port=50000", "--state-cache-mb=256"]' in text and "EXPOSE 50000" in text
    assert re.search(r"^FROM python:3\.11-", text, re.M), "the SDK harness must run the launcher's Python"
    assert "pip install --no-cache-dir ." in text
    assert f"-Dbeam.version={BEAM_VERSION} -Dflink.minor={FLINK_MINOR}" in text
    assert f"beam-runners-flink-{FLINK_MINOR}-job-server-{BEAM_VERSION}.jar" in text
    for path in re.findall(r"^COPY (?!--)(\S+)", text, re.M):
        assert (DEPLOY_DIR.parent / path).exists(), path


def test_flink_metrics_pom_and_conf(tmp_path):
    pom = (DEPLOY_DIR / "flink" / "metrics" / "pom.xml").read_text()
    assert "<artifactId>flink-metrics-prometheus</artifactId>" in pom
    assert flink_metrics.REPORTER_VERSION.startswith(FLINK_MINOR + ".")
    conf = flink_metrics.write_conf_dir(tmp_path / "conf", 9333)
    parsed = yaml.safe_load((conf / "flink-conf.yaml").read_text())
    assert parsed["metrics.reporter.prom.port"] == 9333
    assert parsed["metrics.reporter.prom.factory.class"] == flink_metrics.REPORTER_FACTORY


def test_launcher_jar_manifest(tmp_path):
    server = tmp_path / "jars" / "beam-runners-flink-1.19-job-server-2.62.0.jar"
    reporter = tmp_path / "jars" / "flink-metrics-prometheus-1.19.1" / "flink-metrics-prometheus-1.19.1.jar"
    reporter.parent.mkdir(parents=True)
    server.write_bytes(b"")
    reporter.write_bytes(b"")
    jar = flink_metrics.launcher_jar(server, reporter)
    assert jar.parent == server.parent
    with zipfile.ZipFile(jar) as z:
        manifest = z.read("META-INF/MANIFEST.MF").decode()
    assert all(len(line.encode()) <= 72 for line in manifest.split("\r\n"))
    unfolded = manifest.replace("\r\n ", "")
    assert f"Main-Class: {flink_metrics.JOB_SERVER_MAIN}" in unfolded
    assert ("Class-Path: beam-runners-flink-1.19-job-server-2.62.0.jar "
            "flink-metrics-prometheus-1.19.1/flink-metrics-prometheus-1.19.1.jar") in unfolded
    assert flink_metrics.launcher_jar(server, reporter) == jar  # reused when unchanged


@pytest.mark.skipif(not (shutil.which("prometheus") and shutil.which("promtool")),
                    reason="Prometheus not installed (deploy/prometheus/install.sh)")
def test_prometheus_install_script_is_idempotent():
    proc = subprocess.run(["bash", str(DEPLOY_DIR / "prometheus" / "install.sh")], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # already installed: nothing to do, nothing printed


def test_worker_pool_turns_the_state_cache_on(monkeypatch):
    """Beam's worker_pool_main starts workers with a 0-byte state cache; ours does not."""
    from pipelines.config import SDK_STATE_CACHE_MB

    assert pool_settings(["--service_port=50000"])["state_cache_size"] == SDK_STATE_CACHE_MB << 20
    monkeypatch.setenv("NEWSBEAM_STATE_CACHE_MB", "64")
    assert pool_settings([])["state_cache_size"] == 64 << 20 and pool_settings([])["port"] == 50000
    with pytest.raises(SystemExit):
        pool_settings(["--state-cache-mb=-1"])


def test_worker_pool_serves_and_stops_on_sigterm():
    import signal
    import socket
    import sys
    import time

    import grpc

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.runners.worker_pool", f"--service-port={port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        channel = grpc.insecure_channel(f"localhost:{port}")
        grpc.channel_ready_future(channel).result(timeout=60)
        channel.close()
    finally:
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    from pipelines.config import SDK_STATE_CACHE_MB

    assert f"state cache {SDK_STATE_CACHE_MB} MB per worker" in out
