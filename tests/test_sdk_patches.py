"""The Beam SDK work-arounds install explicitly, per runner and only on the Beam they were written for, and
keep the SDK's meaning (pipelines/beam/sdk_patches.py)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from apache_beam import coders
from apache_beam.runners.worker import bundle_processor, statecache

from pipelines.beam import sdk_patches


class _Future:
    def __init__(self, log: list, name: str) -> None:
        self._log, self._name = log, name

    def get(self, timeout=None):
        self._log.append(("await", self._name))


class _RecordingHandler:
    """Stands in for the runner's state channel: logs each request and each wait, in order."""

    def __init__(self) -> None:
        self.log: list = []

    def clear(self, key):
        self.log.append(("clear", key))
        return _Future(self.log, f"clear {key}")

    def extend(self, key, coder_impl, elements):
        self.log.append(("extend", key, list(elements)))
        return _Future(self.log, f"extend {key}")


class _OtherState:
    def __init__(self, log: list) -> None:
        self._log = log

    def commit(self) -> None:
        self._log.append(("commit", "other"))


class _Context:
    commit = sdk_patches._pipelined_commit

    def __init__(self, states: dict) -> None:
        self._all_states = states


def _bag(handler: _RecordingHandler, key: str) -> bundle_processor.SynchronousBagRuntimeState:
    return bundle_processor.SynchronousBagRuntimeState(handler, key, coders.BytesCoder())


def _sdk_own(*_args):
    """Stands in for the SDK's hook, whatever an earlier test of this process installed."""


@pytest.fixture
def unpatched(monkeypatch):
    """The SDK's hooks as Beam ships them (restored after the test), and no version refusal yet."""
    monkeypatch.setattr(statecache, "get_deep_size", _sdk_own)
    monkeypatch.setattr(bundle_processor.FnApiUserStateContext, "commit", _sdk_own)
    monkeypatch.setattr(bundle_processor.BundleProcessor, "try_split", _sdk_own)
    monkeypatch.setattr(sdk_patches, "_refused", False)


def test_prism_keeps_the_sdks_own_state_commit_and_refuses_stateful_splits(unpatched):
    assert sdk_patches.install("FlinkRunner") and sdk_patches.installed() == ("state_cache_weights", "state_commits")
    for _ in range(2):
        assert sdk_patches.install("PrismRunner") is True
        assert sdk_patches.installed() == ("state_cache_weights", "stateful_splits")
    assert bundle_processor.FnApiUserStateContext.commit is sdk_patches._SDK_COMMIT
    assert sdk_patches.install("DirectRunner") and sdk_patches.installed() == ("state_cache_weights", "state_commits")
    assert bundle_processor.BundleProcessor.try_split is sdk_patches._SDK_TRY_SPLIT


def _processor(stateful: bool):
    """A bundle processor as far as the split patch reads it: its descriptor with one ParDo."""
    from apache_beam.portability import common_urns
    from apache_beam.portability.api import beam_fn_api_pb2, beam_runner_api_pb2

    payload = beam_runner_api_pb2.ParDoPayload()
    if stateful:
        payload.state_specs["story"].read_modify_write_spec.coder_id = "bytes"
    descriptor = beam_fn_api_pb2.ProcessBundleDescriptor()
    descriptor.transforms["Stories"].spec.urn = common_urns.primitives.PAR_DO.urn
    descriptor.transforms["Stories"].spec.payload = payload.SerializeToString()

    class _Processor:
        process_bundle_descriptor = descriptor

    return _Processor()


def test_a_stage_with_user_state_answers_a_split_request_with_no_split(monkeypatch):
    from apache_beam.portability.api import beam_fn_api_pb2

    delegated = []
    monkeypatch.setattr(sdk_patches, "_SDK_TRY_SPLIT", lambda processor, request: delegated.append(request) or "split")
    request = beam_fn_api_pb2.ProcessBundleSplitRequest(instruction_id="b-1")
    answer = sdk_patches._split_stateless_only(_processor(stateful=True), request)
    assert answer == beam_fn_api_pb2.ProcessBundleSplitResponse() and not delegated
    assert sdk_patches._split_stateless_only(_processor(stateful=False), request) == "split"
    assert delegated == [request]


@pytest.mark.parametrize("runner", ["DirectRunner", "FlinkRunner"])
def test_install_replaces_the_sdk_hooks_for_a_portable_runner_and_is_idempotent(unpatched, runner):
    for _ in range(2):
        assert sdk_patches.install(runner) is True
        assert statecache.get_deep_size is sdk_patches._patched_deep_size
        assert bundle_processor.FnApiUserStateContext.commit is sdk_patches._pipelined_commit
    assert sdk_patches.installed() == ("state_cache_weights", "state_commits")


def test_a_runner_without_the_portable_harness_gets_no_patch(unpatched):
    assert sdk_patches.install("BundleBasedDirectRunner") is False
    assert sdk_patches.installed() == ()


def test_install_refuses_another_beam_version_with_one_warning(unpatched, monkeypatch, caplog):
    import apache_beam

    from pipelines.versions import BEAM_VERSION

    monkeypatch.setattr(apache_beam, "__version__", "2.99.0")
    with caplog.at_level(logging.WARNING, logger=sdk_patches.LOG.name):
        assert sdk_patches.install("FlinkRunner") is False
        assert sdk_patches.install("PrismRunner") is False
    assert sdk_patches.installed() == ()
    assert statecache.get_deep_size is _sdk_own and bundle_processor.FnApiUserStateContext.commit is _sdk_own
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert BEAM_VERSION in warnings[0] and "2.99.0" in warnings[0] and "NOT installed" in warnings[0]


def test_importing_the_pipeline_installs_nothing():
    code = ("import pipelines.beam.job, pipelines.runners.launch, pipelines.beam.sdk_patches as s; "
            "assert s.installed() == (), s.installed()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr


def test_pool_workers_start_through_the_patching_entry_point(tmp_path, monkeypatch):
    from pipelines.runners import worker_pool

    launcher = worker_pool.write_worker_launcher(tmp_path, 64 << 20)
    proc = subprocess.run([str(launcher), "--help"], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0 and f"worker_pool {worker_pool.WORKER_COMMAND}" in proc.stdout, proc.stderr

    started = {}

    class _Harness:
        def __init__(self, control, worker_id, state_cache_size):
            started.update(control=control, worker_id=worker_id, cache=state_cache_size,
                           patched=sdk_patches.installed())

        def run(self):
            started["ran"] = True

    from apache_beam.runners.worker import sdk_worker

    monkeypatch.setattr(sdk_worker, "SdkHarness", _Harness)
    monkeypatch.setattr(statecache, "get_deep_size", _sdk_own)
    monkeypatch.setattr(bundle_processor.FnApiUserStateContext, "commit", _sdk_own)
    # the flags Beam's pool passes to a container executable
    assert worker_pool.main([worker_pool.WORKER_COMMAND, "--state-cache-size=67108864", "--id=w-1",
                             "--logging_endpoint=localhost:1", "--artifact_endpoint=localhost:2",
                             "--provision_endpoint=localhost:3", "--control_endpoint=localhost:4"]) == 0
    assert started == {"control": "localhost:4", "worker_id": "w-1", "cache": 64 << 20,
                       "patched": ("state_cache_weights", "state_commits"), "ran": True}


def test_commit_sends_every_write_before_waiting_and_keeps_each_cells_order():
    handler = _RecordingHandler()
    entries = _bag(handler, "entries")
    entries.add(b"a")
    entries.add(b"b")
    deadline = bundle_processor.ReadModifyWriteRuntimeState(_bag(handler, "deadline"))
    deadline.write(b"7")  # a value cell: clear, then append its one value
    untouched = _bag(handler, "untouched")
    other = _OtherState(handler.log)
    _Context({"e": entries, "d": deadline, "u": untouched, "o": other}).commit()

    assert handler.log == [
        ("extend", "entries", [b"a", b"b"]),
        ("clear", "deadline"),
        ("extend", "deadline", [b"7"]),
        ("commit", "other"),
        ("await", "extend entries"),
        ("await", "extend deadline"),  # the last request of a cell stands for the cell, as in the SDK
    ]
    assert all(step[0] != "clear" or step[1] != "untouched" for step in handler.log), "no writes for a clean cell"


class _CachingHandler(_RecordingHandler):
    """A recording handler with the SDK cache's lookups: `cached` maps a key to its cached content."""

    def __init__(self, cached: dict, token: bytes | None = b"token") -> None:
        super().__init__()
        self._token = token
        self._state_cache = self
        self.cached = cached

    def _get_cache_token(self, key):
        return self._token

    @staticmethod
    def _convert_to_cache_key(key):
        return key

    def peek(self, cache_key):
        key, token = cache_key
        assert token == self._token
        return self.cached.get(key)


def _written(handler: _RecordingHandler, key: str) -> None:
    cell = bundle_processor.ReadModifyWriteRuntimeState(_bag(handler, key))
    cell.write(b"v")
    _Context({"c": cell}).commit()


def test_a_clear_is_not_sent_for_a_cell_the_cache_knows_is_empty():
    handler = _CachingHandler({"fresh": []})
    _written(handler, "fresh")
    assert handler.log == [("extend", "fresh", [b"v"]), ("await", "extend fresh")]


def test_a_clear_is_sent_when_the_cell_has_or_may_have_content():
    for cached, token in (({"held": [b"old"]}, b"token"), ({}, b"token"), ({"held": []}, None)):
        handler = _CachingHandler(cached, token)
        _written(handler, "held")
        assert handler.log[:2] == [("clear", "held"), ("extend", "held", [b"v"])], (cached, token)


def test_approximate_size_grows_with_what_containers_hold():
    small = sdk_patches.approximate_size([b"x"])
    large = sdk_patches.approximate_size([b"x" * 10_000])
    assert large - small >= 9_990
    assert sdk_patches.approximate_size({"k": [b"y" * 500]}) >= 500
    assert sdk_patches.approximate_size([b"x", [b"z" * 700]]) >= 700  # mixed content still weighed
    assert sdk_patches.approximate_size([[b"a" * 300], b"x"]) >= 300
