"""The Kafka client factory without a broker: the bootstrap rule and the --kafka-config translation."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from pipelines import config
from pipelines.kafka import broker_state, client
from pipelines.kafka.client import KafkaConfigError, client_settings, load_client_config, parse_properties

# --------------------------------------------------------------------------------------------
# One bootstrap rule: flag, then $NEWSBEAM_BOOTSTRAP, then the running local broker, then the default


@pytest.fixture
def local_broker(monkeypatch: pytest.MonkeyPatch) -> str:
    """Pretend `newsbeam kafka start` left a broker running."""
    monkeypatch.setattr(broker_state, "running_bootstrap", lambda state_dir=None: "127.0.0.1:40001")
    return "127.0.0.1:40001"


def test_an_explicit_flag_wins_over_everything(monkeypatch, local_broker) -> None:
    monkeypatch.setenv(client.BOOTSTRAP_ENV, "env:9092")
    assert client.resolve_bootstrap("flag:9092") == "flag:9092"


def test_the_environment_wins_over_a_running_local_broker(monkeypatch, local_broker) -> None:
    monkeypatch.setenv(client.BOOTSTRAP_ENV, "env:9092")
    assert client.resolve_bootstrap(None) == "env:9092"


def test_the_running_local_broker_comes_before_the_default(monkeypatch, local_broker) -> None:
    monkeypatch.delenv(client.BOOTSTRAP_ENV, raising=False)
    assert client.resolve_bootstrap(None) == local_broker


def test_the_default_comes_last(monkeypatch) -> None:
    monkeypatch.delenv(client.BOOTSTRAP_ENV, raising=False)
    monkeypatch.setattr(broker_state, "running_bootstrap", lambda state_dir=None: None)
    assert client.resolve_bootstrap("") == config.DEFAULT_BOOTSTRAP


def test_run_and_the_ops_tools_resolve_the_same_cluster(monkeypatch, local_broker) -> None:
    """The bug this rule fixes: `newsbeam run` took the local broker, `newsbeam lag` the environment."""
    from pipelines.cli.common import kafka_target
    from pipelines.cli.main import build_parser

    monkeypatch.setenv(client.BOOTSTRAP_ENV, "env:9092")
    parser = build_parser()
    targets = {command: kafka_target(parser.parse_args(argv)).bootstrap for command, argv in {
        "run": ["run"], "lag": ["lag"], "status": ["status"], "dlq": ["dlq", "show"], "produce": ["produce", "x"],
        "topics": ["topics", "list"], "metrics": ["metrics", "serve"]}.items()}
    assert set(targets.values()) == {"env:9092"}, targets


# --------------------------------------------------------------------------------------------
# Properties files


def test_properties_syntax_separators_comments_and_continuations() -> None:
    text = (
        "# a comment\n"
        "! another\n"
        "security.protocol = SASL_SSL\n"
        "sasl.mechanism:SCRAM-SHA-512\n"
        "client.id newsbeam-prod\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n"
        "    username=\"svc\" \\\n"
        "    password=\"p=w:d\";\n"
        "ssl.ca.location=/etc/ssl/a\\ b.pem\n"
    )
    props = parse_properties(text)
    assert props == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "client.id": "newsbeam-prod",
        "sasl.jaas.config": 'org.apache.kafka.common.security.scram.ScramLoginModule required username="svc" '
                            'password="p=w:d";',
        "ssl.ca.location": "/etc/ssl/a b.pem",
    }


def test_scram_over_tls_from_a_jaas_line() -> None:
    settings = client_settings({
        "security.protocol": "sasl_ssl",
        "sasl.mechanism": "SCRAM-SHA-256",
        "sasl.jaas.config": 'org.apache.kafka.common.security.scram.ScramLoginModule required '
                            'username="svc" password="s\\"ecret";',
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": "/etc/kafka/ca.pem",
        "ssl.endpoint.identification.algorithm": "",
    })
    assert settings == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "svc",
        "sasl_plain_password": 's"ecret',
        "ssl_cafile": "/etc/kafka/ca.pem",
        "ssl_check_hostname": False,
    }


def test_plain_with_username_and_password_properties_and_mutual_tls() -> None:
    settings = client_settings({
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
        "sasl.username": "u",
        "sasl.password": "p",
        "ssl.ca.location": "/ca.pem",
        "ssl.certificate.location": "/client.pem",
        "ssl.key.location": "/client.key",
        "ssl.key.password": "kp",
        "ssl.endpoint.identification.algorithm": "https",
        "request.timeout.ms": "45000",
    })
    assert settings == {
        "security_protocol": "SASL_SSL", "sasl_mechanism": "PLAIN", "sasl_plain_username": "u",
        "sasl_plain_password": "p", "ssl_cafile": "/ca.pem", "ssl_certfile": "/client.pem",
        "ssl_keyfile": "/client.key", "ssl_password": "kp", "ssl_check_hostname": True, "request_timeout_ms": 45000,
    }


def test_an_empty_file_means_plaintext_and_no_file_means_no_settings(tmp_path: Path) -> None:
    empty = tmp_path / "client.properties"
    empty.write_text("# nothing here\n")
    assert load_client_config(empty) == {"security_protocol": "PLAINTEXT"}
    assert load_client_config(None) == {}


@pytest.mark.parametrize(("props", "message"), [
    ({"bootstrap.servers": "a:9092"}, "--bootstrap"),
    ({"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512"}, "needs sasl.jaas.config"),
    ({"security.protocol": "TLS"}, "security.protocol"),
    ({"sasl.mechanism": "DIGEST"}, "sasl.mechanism"),
    ({"sasl.jaas.config": "com.sun.security.auth.module.Krb5LoginModule required;"}, "ScramLoginModule"),
    ({"sasl.jaas.config": 'x.ScramLoginModule required username="u";'}, "password"),
    ({"ssl.truststore.location": "/t.jks"}, "PEM"),
    ({"ssl.keystore.location": "/k.p12", "ssl.keystore.type": "PKCS12"}, "PEM"),
    ({"request.timeout.ms": "soon"}, "integer"),
    ({"ssl.protocol": "TLSv1.3"}, "unsupported client properties: ssl.protocol"),
    ({"ssl.truststore.location": "/t.pem", "ssl.truststore.type": "PEM", "max.poll.records": "5"},
     "unsupported client properties: max.poll.records"),
])
def test_what_cannot_be_honoured_is_refused(props: dict[str, str], message: str) -> None:
    with pytest.raises(KafkaConfigError, match=message):
        client_settings(props)


def test_a_missing_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(KafkaConfigError, match="missing.properties"):
        load_client_config(tmp_path / "missing.properties")


def test_every_translated_setting_is_one_kafka_python_knows() -> None:
    """The translation table cannot name a keyword that kafka-python would reject at connect time."""
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

    known = set(KafkaConsumer.DEFAULT_CONFIG) | set(KafkaProducer.DEFAULT_CONFIG) | set(KafkaAdminClient.DEFAULT_CONFIG)
    produced = set(client._DIRECT.values()) | set(client._INTEGERS.values()) | set(client._STORES.values()) \
        | {"ssl_check_hostname", "sasl_plain_username", "sasl_plain_password"}
    assert produced <= known, produced - known


def test_each_kind_of_client_gets_only_its_own_keys() -> None:
    shared = {"security_protocol": "SSL", "ssl_ciphers": "HIGH", "fetch_max_bytes": 1, "acks": 1}
    admin = client._settings(client.KafkaAdminClient, {}, shared, {})
    consumer = client._settings(client.KafkaConsumer, {}, shared, {})
    producer = client._settings(client.KafkaProducer, {}, shared, {})
    assert admin == {"security_protocol": "SSL"}  # the admin client has no ssl_ciphers setting
    assert consumer == {"security_protocol": "SSL", "ssl_ciphers": "HIGH", "fetch_max_bytes": 1}
    assert producer == {"security_protocol": "SSL", "ssl_ciphers": "HIGH", "acks": 1}
    # the caller's own settings win over the shared ones, except the operator's client id
    shared_id = client._settings(client.KafkaConsumer, {"client_id": "newsbeam"}, {"client_id": "ops-team"},
                                 {"client_id": "newsbeam-ops", "group_id": "g"})
    assert shared_id == {"client_id": "ops-team", "group_id": "g"}
    with pytest.raises(KafkaConfigError, match="sasl_password"):
        client._settings(client.KafkaConsumer, {}, {"sasl_password": "typo"}, {})


# --------------------------------------------------------------------------------------------
# --kafka-config on every command


KAFKA_COMMANDS = [["run"], ["produce", "x.jsonl"], ["status"], ["lag"], ["dlq", "show"], ["dlq", "replay"],
                  ["topics", "create"], ["topics", "list"], ["metrics", "serve"]]


@pytest.mark.parametrize("argv", KAFKA_COMMANDS, ids=" ".join)
def test_every_kafka_command_takes_a_client_properties_file(argv: list[str], tmp_path: Path) -> None:
    from pipelines.cli.common import kafka_target
    from pipelines.cli.main import build_parser

    props = tmp_path / "client.properties"
    props.write_text("security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.username=u\nsasl.password=p\n")
    args = build_parser().parse_args([*argv, "--bootstrap", "b:9092", "--kafka-config", str(props)])
    target = kafka_target(args)
    assert target.bootstrap == "b:9092"
    assert target.client_config["sasl_plain_username"] == "u"


def test_a_bad_client_properties_file_stops_the_command_with_a_message(tmp_path: Path, capsys) -> None:
    from pipelines.cli.common import kafka_target

    props = tmp_path / "client.properties"
    props.write_text("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\n")
    with pytest.raises(SystemExit) as stop:
        kafka_target(argparse.Namespace(command="lag", bootstrap=None, prefix="", kafka_config=str(props)))
    assert stop.value.code == 2
    assert "client.properties" in capsys.readouterr().err
