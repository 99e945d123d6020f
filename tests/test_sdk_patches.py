"""The Beam SDK work-arounds stay in force and keep the SDK's meaning (pipelines/beam/sdk_patches.py)."""

from __future__ import annotations

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


def test_install_replaces_the_sdk_hooks_it_patches():
    sdk_patches.install()
    assert statecache.get_deep_size is sdk_patches._patched_deep_size
    assert bundle_processor.FnApiUserStateContext.commit is sdk_patches._pipelined_commit


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
