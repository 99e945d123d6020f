"""The one way this project reaches Kafka: which cluster, with which client settings, and the reads
every tool repeats.

* **Which cluster** (`resolve_bootstrap`), the same for `newsbeam run` and every tool, first match
  wins: an explicit `--bootstrap`; `$NEWSBEAM_BOOTSTRAP`; the broker `newsbeam kafka start` left
  running; `127.0.0.1:9092`. The environment comes before the local broker so that a shell pointed
  at a real cluster never silently talks to a development broker that happens to be up.
* **Client settings** (`load_client_config`): a Kafka client properties file (`--kafka-config`),
  as Java clients and Kafka's own tools read it, translated to kafka-python keyword arguments.
* **Clients** (`consumer`, `producer`, `admin`): the only calls of KafkaConsumer, KafkaProducer and
  KafkaAdminClient in the project. Each takes the shared settings and keeps only the keys its kind
  of client knows, so one dict serves consumers, producers and admin clients alike.
* **Reads**: a topic's partitions with their offsets (`partition_offsets`), records between
  offsets (`read_range`), a topic up to the end it had when the read began (`read_to_end`), the
  first record at given offsets (`first_records`), a group's committed offsets (`own_group_offsets`
  for the group's own consumer, `committed_offsets` from outside).

kafka-python is imported only under pipelines/kafka/ and in pipelines/beam/kafka_io.py (a test
walks the imports); everything else goes through this module and catches `KafkaError` from here.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import kafka.errors as _errors
from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.consumer.fetcher import ConsumerRecord

from pipelines import config
from pipelines.kafka import broker_state

KafkaError = _errors.KafkaError
"""Base class of kafka-python's errors, for callers that must not import kafka-python."""

BOOTSTRAP_ENV = "NEWSBEAM_BOOTSTRAP"
T = TypeVar("T")


class TopicNotFound(LookupError):
    """The topic does not exist on the cluster (or has no partitions yet)."""


class KafkaConfigError(ValueError):
    """A client properties file asks for something this client cannot do."""


# --------------------------------------------------------------------------------------------
# Which cluster


def resolve_bootstrap(explicit: str | None = None) -> str:
    """The bootstrap servers to use: see the module docstring for the order."""
    if explicit:
        return explicit
    from_env = os.environ.get(BOOTSTRAP_ENV)
    if from_env:
        return from_env
    return broker_state.running_bootstrap() or config.DEFAULT_BOOTSTRAP


# --------------------------------------------------------------------------------------------
# Client settings from a Kafka client properties file

# Properties translated one to one (value kept as a string or turned into an int).
_DIRECT = {
    "security.protocol": "security_protocol",
    "sasl.mechanism": "sasl_mechanism",
    "sasl.username": "sasl_plain_username",
    "sasl.password": "sasl_plain_password",
    "sasl.kerberos.service.name": "sasl_kerberos_service_name",
    "ssl.ca.location": "ssl_cafile",
    "ssl.certificate.location": "ssl_certfile",
    "ssl.key.location": "ssl_keyfile",
    "ssl.key.password": "ssl_password",
    "ssl.crl.location": "ssl_crlfile",
    "ssl.cipher.suites": "ssl_ciphers",
    "client.id": "client_id",
}
_INTEGERS = {
    "request.timeout.ms": "request_timeout_ms",
    "connections.max.idle.ms": "connections_max_idle_ms",
    "reconnect.backoff.ms": "reconnect_backoff_ms",
    "reconnect.backoff.max.ms": "reconnect_backoff_max_ms",
    "retry.backoff.ms": "retry_backoff_ms",
    "metadata.max.age.ms": "metadata_max_age_ms",
}
# Java keystores: kafka-python reads PEM files only, so these are accepted with type PEM alone.
_STORES = {"ssl.truststore.location": "ssl_cafile", "ssl.keystore.location": "ssl_certfile"}
_STORE_TYPES = {"ssl.truststore.location": "ssl.truststore.type", "ssl.keystore.location": "ssl.keystore.type"}
# Read together with the store locations above, not on their own.
_STORE_TYPE_KEYS = set(_STORE_TYPES.values())
_PROTOCOLS = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}
_MECHANISMS = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "GSSAPI", "OAUTHBEARER"}
_JAAS_MODULES = ("PlainLoginModule", "ScramLoginModule")
_JAAS_OPTION = re.compile(r"""([\w.]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))""")


def parse_properties(text: str) -> dict[str, str]:
    """Java `.properties` text: `key=value`, `key: value` or `key value`; `#`/`!` comments; a
    trailing backslash continues the line (how long `sasl.jaas.config` values are usually written)."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.lstrip()
        if not pending and (not line or line.startswith(("#", "!"))):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:  # an odd number of backslashes: the last one joins the next line
            pending += line[:-1]
            continue
        logical.append(pending + line)
        pending = ""
    if pending:
        logical.append(pending)
    props: dict[str, str] = {}
    for line in logical:
        match = re.match(r"((?:[^\s=:\\]|\\.)+)\s*[=:\s]\s*(.*)$", line)
        key, value = (match.group(1), match.group(2)) if match else (line, "")
        props[_unescape(key)] = _unescape(value.rstrip())
    return props


def _unescape(text: str) -> str:
    replacements = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
    return re.sub(r"\\(.)", lambda m: replacements.get(m.group(1), m.group(1)), text)


def _jaas_credentials(value: str) -> dict[str, str]:
    """Username and password of a PLAIN or SCRAM `sasl.jaas.config` line."""
    module = value.split(None, 1)[0] if value.strip() else ""
    if not module.endswith(_JAAS_MODULES):
        raise KafkaConfigError(f"sasl.jaas.config: only PlainLoginModule and ScramLoginModule are supported, "
                               f"got {module or 'nothing'!r}")
    options = {m.group(1): (m.group(2) if m.group(2) is not None else m.group(3))
               for m in _JAAS_OPTION.finditer(value)}
    options = {k: _unescape(v) for k, v in options.items()}
    if "username" not in options or "password" not in options:
        raise KafkaConfigError("sasl.jaas.config: needs username=\"…\" and password=\"…\"")
    return {"sasl_plain_username": options["username"], "sasl_plain_password": options["password"]}


def client_settings(props: Mapping[str, str]) -> dict[str, Any]:
    """kafka-python keyword arguments for Kafka client properties (see the module docstring).

    Unknown properties are refused rather than ignored: a silently dropped `ssl.*` line would
    make a client talk to a secured cluster in a way its operator did not configure."""
    settings: dict[str, Any] = {}
    unknown = []
    for key, value in props.items():
        if key == "bootstrap.servers":
            raise KafkaConfigError("bootstrap.servers belongs in --bootstrap or $NEWSBEAM_BOOTSTRAP, "
                                   "not in the client properties (one rule picks the cluster)")
        if key in _DIRECT:
            settings[_DIRECT[key]] = value
        elif key in _INTEGERS:
            try:
                settings[_INTEGERS[key]] = int(value)
            except ValueError as exc:
                raise KafkaConfigError(f"{key}: expected an integer, got {value!r}") from exc
        elif key in _STORES:
            store_type = props.get(_STORE_TYPES[key], "JKS").upper()
            if store_type != "PEM":
                raise KafkaConfigError(f"{key}: kafka-python reads PEM files only; set {_STORE_TYPES[key]}=PEM "
                                       f"(convert a {store_type} store with keytool/openssl), or use ssl.ca.location"
                                       " / ssl.certificate.location / ssl.key.location")
            settings[_STORES[key]] = value
        elif key == "ssl.endpoint.identification.algorithm":
            settings["ssl_check_hostname"] = value.strip().lower() == "https"
        elif key == "sasl.jaas.config":
            settings.update(_jaas_credentials(value))
        elif key not in _STORE_TYPE_KEYS:
            unknown.append(key)
    if unknown:
        raise KafkaConfigError(f"unsupported client properties: {', '.join(sorted(unknown))}")
    protocol = settings.get("security_protocol", "PLAINTEXT").upper()
    if protocol not in _PROTOCOLS:
        raise KafkaConfigError(f"security.protocol must be one of {sorted(_PROTOCOLS)}, got {protocol!r}")
    settings["security_protocol"] = protocol
    mechanism = settings.get("sasl_mechanism")
    if mechanism is not None:
        settings["sasl_mechanism"] = mechanism = mechanism.upper()
        if mechanism not in _MECHANISMS:
            raise KafkaConfigError(f"sasl.mechanism must be one of {sorted(_MECHANISMS)}, got {mechanism!r}")
    if protocol.startswith("SASL_"):
        mechanism = settings.setdefault("sasl_mechanism", "GSSAPI")  # the Java client's default
        if mechanism in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512") and "sasl_plain_password" not in settings:
            raise KafkaConfigError(f"{protocol} with {mechanism} needs sasl.jaas.config or "
                                   "sasl.username and sasl.password")
    return settings


def load_client_config(path: str | Path | None) -> dict[str, Any]:
    """The kafka-python settings of a client properties file; {} without a file."""
    if path is None:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise KafkaConfigError(f"cannot read Kafka client properties {path}: {exc}") from exc
    try:
        return client_settings(parse_properties(text))
    except KafkaConfigError as exc:
        raise KafkaConfigError(f"{path}: {exc}") from exc


# --------------------------------------------------------------------------------------------
# Clients

# Looking at a topic must never move anybody's offsets: consumers have no group unless given one.
_CONSUMER_DEFAULTS: dict[str, Any] = {
    "group_id": None,
    "enable_auto_commit": False,
    "auto_offset_reset": "earliest",
    "client_id": "newsbeam",
    "request_timeout_ms": 30000,
}
# DESIGN §4: idempotent, acks=all, compressed; requests big enough for a page at the size limit.
_PRODUCER_DEFAULTS: dict[str, Any] = {
    "enable_idempotence": True,
    "acks": "all",
    "compression_type": "lz4",
    "linger_ms": 20,
    # kafka-python wakes its sender thread for every new batch; with 16 KB batches (its default)
    # that was nearly every second story or article written. Batches grow as records come, so a
    # larger bound costs no memory up front.
    "batch_size": 1024 * 1024,
    "max_request_size": 16 * 1024 * 1024,
    "client_id": "newsbeam",
}
_ADMIN_DEFAULTS: dict[str, Any] = {
    "client_id": "newsbeam-admin",
    "request_timeout_ms": 30000,
    "bootstrap_timeout_ms": 15000,
}


def _settings(kind: type, defaults: Mapping[str, Any], client_config: Mapping[str, Any] | None,
              overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults, then the shared client config (only what `kind` knows), then the caller's overrides.

    The shared config holds settings for every kind of client (a consumer's fetch sizes, the
    security settings); a key no kind of client knows is an error, not something to drop."""
    known = set(kind.DEFAULT_CONFIG)  # type: ignore[attr-defined]
    every_kind = set(KafkaConsumer.DEFAULT_CONFIG) | set(KafkaProducer.DEFAULT_CONFIG) \
        | set(KafkaAdminClient.DEFAULT_CONFIG)
    shared = dict(client_config or {})
    strangers = sorted(set(shared) - every_kind)
    if strangers:
        raise KafkaConfigError(f"not kafka-python client settings: {', '.join(strangers)}")
    settings = dict(defaults)
    settings.update({k: v for k, v in shared.items() if k in known})
    settings.update(overrides)
    if "client_id" in shared:  # the operator's client.id names every client: quotas and audit logs use it
        settings["client_id"] = shared["client_id"]
    return settings


def consumer(bootstrap: str, client_config: Mapping[str, Any] | None = None, **overrides: Any) -> KafkaConsumer:
    """A consumer; group-less and never committing unless `group_id` is given."""
    return KafkaConsumer(bootstrap_servers=bootstrap,
                         **_settings(KafkaConsumer, _CONSUMER_DEFAULTS, client_config, overrides))


def producer(bootstrap: str, client_config: Mapping[str, Any] | None = None, **overrides: Any) -> KafkaProducer:
    """An idempotent `acks=all` producer (DESIGN §4)."""
    return KafkaProducer(bootstrap_servers=bootstrap,
                         **_settings(KafkaProducer, _PRODUCER_DEFAULTS, client_config, overrides))


def admin(bootstrap: str, client_config: Mapping[str, Any] | None = None, **overrides: Any) -> KafkaAdminClient:
    """An admin client (the caller closes it; `admin_client` does that for a `with` block)."""
    return KafkaAdminClient(bootstrap_servers=bootstrap,
                            **_settings(KafkaAdminClient, _ADMIN_DEFAULTS, client_config, overrides))


@contextlib.contextmanager
def admin_client(bootstrap: str, client_config: Mapping[str, Any] | None = None,
                 **overrides: Any) -> Iterator[KafkaAdminClient]:
    """An admin client closed when the block ends."""
    client = admin(bootstrap, client_config, **overrides)
    try:
        yield client
    finally:
        client.close()


@contextlib.contextmanager
def consumer_client(bootstrap: str, client_config: Mapping[str, Any] | None = None,
                    **overrides: Any) -> Iterator[KafkaConsumer]:
    """A consumer closed (without committing) when the block ends."""
    client = consumer(bootstrap, client_config, **overrides)
    try:
        yield client
    finally:
        client.close(autocommit=False)


# --------------------------------------------------------------------------------------------
# Reads every tool needs


class PartitionOffsets(NamedTuple):
    """A partition's log-start offset (first record kept) and log-end offset (next to be written)."""

    partition: int
    start: int
    end: int


def partition_offsets(kconsumer: KafkaConsumer, topic: str) -> list[PartitionOffsets]:
    """The topic's partitions with their offsets, by partition; TopicNotFound when it has none."""
    partitions = kconsumer.partitions_for_topic(topic)
    if not partitions:
        raise TopicNotFound(f"topic {topic!r} does not exist")
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    starts, ends = kconsumer.beginning_offsets(tps), kconsumer.end_offsets(tps)
    return [PartitionOffsets(tp.partition, int(starts[tp]), int(ends[tp])) for tp in tps]


def first_offsets_at_or_after(kconsumer: KafkaConsumer, topic: str, offsets: list[PartitionOffsets],
                              timestamp_ms: int) -> dict[int, int]:
    """Partition -> the earliest offset whose record timestamp is >= `timestamp_ms` (Kafka's time
    index), or the log end when there is none. No record stamped that late sits before it."""
    found = kconsumer.offsets_for_times({TopicPartition(topic, o.partition): timestamp_ms for o in offsets})
    return {o.partition: (hit.offset if (hit := found.get(TopicPartition(topic, o.partition))) else o.end)
            for o in offsets}


def assign(kconsumer: KafkaConsumer, topic: str, positions: Mapping[int, int]) -> None:
    """Read these partitions of `topic` from these offsets (partition -> offset), nothing else."""
    tps = {p: TopicPartition(topic, p) for p in sorted(positions)}
    kconsumer.assign(list(tps.values()))
    for partition, offset in positions.items():
        kconsumer.seek(tps[partition], offset)


def read_range(kconsumer: KafkaConsumer, topic: str, starts: Mapping[int, int], ends: Mapping[int, int], *,
               stall_timeout_s: float = 60.0, max_records: int = 1000) -> Iterator[ConsumerRecord]:
    """Records of `topic` with start <= offset < end per partition, partition by partition as they
    arrive. Compaction gaps are fine (positions are compared, not counted); TimeoutError when no
    record arrives for `stall_timeout_s` while some partition is still short of its end."""
    wanted = {p: ends[p] for p in starts if ends[p] > starts[p]}
    if not wanted:
        return
    assign(kconsumer, topic, {p: starts[p] for p in wanted})
    remaining = set(wanted)
    deadline = time.monotonic() + stall_timeout_s
    while remaining:
        if time.monotonic() > deadline:
            raise TimeoutError(f"could not read {topic} to its end within {stall_timeout_s}s")
        for tp, batch in kconsumer.poll(timeout_ms=500, max_records=max_records).items():
            deadline = time.monotonic() + stall_timeout_s
            for record in batch:
                if record.offset >= wanted[tp.partition]:
                    break
                yield record
        for partition in list(remaining):
            tp = TopicPartition(topic, partition)
            if kconsumer.position(tp) >= wanted[partition]:
                remaining.discard(partition)
                kconsumer.pause(tp)  # done: fetch nothing more of it while the others catch up


def read_to_end(bootstrap: str, topic: str, client_config: Mapping[str, Any] | None = None, *,
                stall_timeout_s: float = 60.0, **consumer_overrides: Any) -> Iterator[ConsumerRecord]:
    """Every record of `topic` from its log start to the end offsets it had when the read began."""
    with consumer_client(bootstrap, client_config, **consumer_overrides) as kconsumer:
        offsets = partition_offsets(kconsumer, topic)
        yield from read_range(kconsumer, topic, {o.partition: o.start for o in offsets},
                              {o.partition: o.end for o in offsets}, stall_timeout_s=stall_timeout_s)


def first_records(kconsumer: KafkaConsumer, topic: str, offsets: Mapping[int, int],
                  timeout_s: float) -> dict[int, ConsumerRecord]:
    """Partition -> the first record at or after the offset given for it (within `timeout_s`;
    partitions with nothing there yet are absent)."""
    if not offsets:
        return {}
    assign(kconsumer, topic, offsets)
    found: dict[int, ConsumerRecord] = {}
    deadline = time.monotonic() + timeout_s
    while len(found) < len(offsets) and time.monotonic() < deadline:
        for tp, batch in kconsumer.poll(timeout_ms=200, max_records=50).items():
            if tp.partition not in found and batch:
                found[tp.partition] = batch[0]
                kconsumer.pause(tp)
    kconsumer.unsubscribe()
    return found


def commit(kconsumer: KafkaConsumer, topic: str, offsets: Mapping[int, int]) -> None:
    """Commit partition -> next offset to read for the consumer's group."""
    kconsumer.commit({TopicPartition(topic, p): OffsetAndMetadata(o, "", -1) for p, o in offsets.items()})


def own_group_offsets(kconsumer: KafkaConsumer, topic: str, partitions: list[int]) -> dict[int, int]:
    """Partition -> committed offset of the consumer's own group (never committed: absent). For a
    group's own consumer; tools looking at a group from outside use `committed_offsets`."""
    found = {p: kconsumer.committed(TopicPartition(topic, p)) for p in partitions}
    return {p: int(offset) for p, offset in found.items() if offset is not None}


def _while_the_coordinator_loads(call: Callable[[], T], timeout_s: float) -> T:
    """`call()`, retried briefly while the group coordinator is not there yet: the first group
    request on a fresh cluster creates __consumer_offsets, and until then every group lookup fails."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return call()
        except (_errors.CoordinatorNotAvailableError, _errors.CoordinatorLoadInProgressError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def committed_offsets(bootstrap: str, group_id: str, topic: str,
                      client_config: Mapping[str, Any] | None = None, *, timeout_s: float = 30.0) -> dict[int, int]:
    """Partition -> committed offset of `group_id` on `topic` (partitions never committed are absent)."""
    with admin_client(bootstrap, client_config) as client:
        offsets = _while_the_coordinator_loads(
            lambda: client.list_group_offsets({group_id: None}).get(group_id, {}), timeout_s)
    return {tp.partition: int(meta.offset) for tp, meta in offsets.items()
            if tp.topic == topic and meta.offset is not None and meta.offset >= 0}


def describe_group(bootstrap: str, group_id: str, client_config: Mapping[str, Any] | None = None, *,
                   timeout_s: float = 30.0) -> dict[str, Any]:
    """The group's description from its coordinator ({} when the cluster does not know it)."""
    with admin_client(bootstrap, client_config) as client:
        return _while_the_coordinator_loads(lambda: client.describe_groups([group_id]).get(group_id, {}), timeout_s)
