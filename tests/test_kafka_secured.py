"""A secured Kafka from the command line: the project's broker with a SASL/SCRAM listener, and every
command given the same `--kafka-config` client properties file (issue 12, item 7)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.cli.main import main as newsbeam
from pipelines.core import codecs
from pipelines.kafka import broker as kb

pytestmark = pytest.mark.integration
USER, PASSWORD = "pipeline", "s3cret-with=signs"


@pytest.fixture(scope="module")
def scram_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[kb.BrokerHandle]:
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.skip("Java 17 is needed to run the Kafka broker")
    root = tmp_path_factory.mktemp("scram")
    handle = kb.start(root / "data", scram_users={USER: PASSWORD}, timeout=120)
    try:
        yield handle
    finally:
        kb.stop(handle)


def properties(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def scram_256(tmp_path: Path, password: str = PASSWORD) -> str:
    """A client file as Java clients write it: the login in a (continued) sasl.jaas.config line."""
    return properties(tmp_path / "client.properties", (
        "security.protocol=SASL_PLAINTEXT\n"
        "sasl.mechanism=SCRAM-SHA-256\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
        f'    username="{USER}" password="{password}";\n'))


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = newsbeam(argv)
    return code, capsys.readouterr().out


def feed(path: Path, n: int) -> str:
    now = int(time.time() * 1000)
    lines = []
    for i in range(n):
        body = (f"<html><head><title>Harbour report {i}</title></head><body><article><h1>Harbour report {i}</h1>"
                f"<p>The harbour authority said on day {i} that ferries would run on a reduced timetable.</p>"
                f"<p>Officials expect normal service to resume within {i + 2} days after the repairs.</p>"
                "</article></body></html>")
        page = {"url": f"https://secure.example/{i}", "source": "secure", "fetched_at": now - 60_000 + i,
                "published_at": None, "content_type": "text/html", "charset": None, "body": body.encode(),
                "headers": {}}
        lines.append(codecs.raw_page_to_json(page).decode())
    lines.append(json.dumps({"key": "junk", "value_b64": "AP8=", "timestamp_ms": now}))  # a dead letter
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_every_command_reaches_a_scram_listener_with_one_client_file(scram_broker, tmp_path, capsys) -> None:
    target = ["--bootstrap", scram_broker.listeners["SASL_PLAINTEXT"], "--kafka-config", scram_256(tmp_path),
              "--prefix", "secured."]
    code, out = run_cli(["topics", "create", *target, "--json"], capsys)
    assert code == 0 and set(json.loads(out).values()) == {"created"}
    code, out = run_cli(["produce", *target, feed(tmp_path / "feed.jsonl", 5), "--encoding", "json", "--quiet"],
                        capsys)
    assert code == 0 and json.loads(out)["produced"] == 6

    # the job: its planner, reader, offset commits and all four writers go through the SCRAM listener
    code, out = run_cli(["run", *target, "--group-id", "secured-run"], capsys)
    counters = json.loads(out)["counters"]
    assert code == 0 and counters["pages_read"] == 6, counters

    code, out = run_cli(["lag", *target, "--group-id", "secured-run", "--json"], capsys)
    assert code == 0 and json.loads(out)["lag"] == 0
    code, out = run_cli(["status", *target, "--group-id", "secured-run", "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["status"] == "ok", report
    code, out = run_cli(["dlq", "show", *target, "--json"], capsys)
    letters = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [v["stage"] for v in letters] == ["decode"]
    code, out = run_cli(["dlq", "replay", *target, "--dry-run", "--json"], capsys)
    assert code == 0 and json.loads(out)["selected"] == 1
    code, out = run_cli(["topics", "list", *target, "--json"], capsys)
    assert code == 0 and all(json.loads(out).values())


def test_scram_sha_512_from_username_and_password_properties(scram_broker, tmp_path, capsys) -> None:
    config = properties(tmp_path / "sha512.properties", (
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
        f"sasl.username={USER}\nsasl.password={PASSWORD}\n"))
    code, out = run_cli(["status", "--bootstrap", scram_broker.listeners["SASL_PLAINTEXT"], "--kafka-config", config,
                         "--prefix", "nothing-here.", "--json"], capsys)
    report = json.loads(out)
    assert report["broker"]["status"] == "ok" and report["broker"]["brokers"] == 1, report
    assert code == 2  # reachable, but none of this prefix's topics exist


def test_a_wrong_password_is_refused(scram_broker, tmp_path, capsys) -> None:
    code, out = run_cli(["status", "--bootstrap", scram_broker.listeners["SASL_PLAINTEXT"],
                         "--kafka-config", scram_256(tmp_path, password="wrong"), "--json"], capsys)
    report = json.loads(out)
    assert code == 1 and report["broker"]["status"] == "down", report


def test_the_listener_refuses_clients_without_the_file(scram_broker, capsys) -> None:
    code, out = run_cli(["status", "--bootstrap", scram_broker.listeners["SASL_PLAINTEXT"], "--json"], capsys)
    assert code == 1 and json.loads(out)["broker"]["status"] == "down"


# --------------------------------------------------------------------------------------------
# TLS, with a certificate made for the test


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[kb.BrokerHandle, Path]]:
    """A broker with SSL and SASL_SSL listeners; its self-signed certificate (for 127.0.0.1) as PEM."""
    keytool = shutil.which("keytool")
    if not keytool or not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.skip("Java 17 and keytool are needed for a TLS broker")
    root = tmp_path_factory.mktemp("tls")
    store, password = root / "broker.p12", "store-secret"
    subprocess.run([keytool, "-genkeypair", "-keystore", str(store), "-storetype", "PKCS12", "-storepass", password,
                    "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                    "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1"], check=True, capture_output=True)
    certificate = root / "broker.pem"
    subprocess.run([keytool, "-exportcert", "-rfc", "-keystore", str(store), "-storepass", password,
                    "-alias", "broker", "-file", str(certificate)], check=True, capture_output=True)
    handle = kb.start(root / "data", scram_users={USER: PASSWORD}, keystore=kb.Keystore(store, password),
                      timeout=120)
    try:
        yield handle, certificate
    finally:
        kb.stop(handle)


def test_tls_with_a_java_style_pem_truststore(tls_broker, tmp_path, capsys) -> None:
    handle, certificate = tls_broker
    config = properties(tmp_path / "ssl.properties", (
        f"security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location={certificate}\n"
        "ssl.endpoint.identification.algorithm=https\n"))
    target = ["--bootstrap", handle.listeners["SSL"], "--kafka-config", config, "--prefix", "tls."]
    code, out = run_cli(["topics", "create", *target, "--json"], capsys)
    assert code == 0 and set(json.loads(out).values()) == {"created"}
    code, out = run_cli(["produce", *target, feed(tmp_path / "feed.jsonl", 2), "--encoding", "json", "--quiet"],
                        capsys)
    assert code == 0 and json.loads(out)["produced"] == 3
    code, out = run_cli(["lag", *target, "--json"], capsys)
    assert code == 0 and json.loads(out)["lag"] == 3


def test_scram_over_tls(tls_broker, tmp_path, capsys) -> None:
    handle, certificate = tls_broker
    config = properties(tmp_path / "sasl_ssl.properties", (
        "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{USER}" password="{PASSWORD}";\n'
        f"ssl.ca.location={certificate}\n"))
    code, out = run_cli(["status", "--bootstrap", handle.listeners["SASL_SSL"], "--kafka-config", config,
                         "--prefix", "none.", "--json"], capsys)
    assert json.loads(out)["broker"]["status"] == "ok" and code == 2


def test_tls_without_trusting_the_broker_certificate_is_refused(tls_broker, tmp_path, capsys) -> None:
    handle, _ = tls_broker
    config = properties(tmp_path / "ssl.properties", "security.protocol=SSL\n")
    code, out = run_cli(["status", "--bootstrap", handle.listeners["SSL"], "--kafka-config", config, "--json"],
                        capsys)
    assert code == 1 and json.loads(out)["broker"]["status"] == "down"
