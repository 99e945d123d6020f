"""Work-arounds for costs of Beam's Python SDK harness (the part of a worker process that runs a
portable runner's DoFns, with its user-state cache and its state channel to the runner), written
for the Beam in pipelines/versions.py and refused on any other: the internals they replace may
differ there, and the SDK's own, slower code is better than a patch that quietly mishandles state.

Nothing happens at import: the runner setup calls `install(runner)` in each process that hosts
the harness (runners/launch.py for the launching process, which hosts it on DirectRunner and on
LOOPBACK Prism and Flink; runners/worker_pool.py in each worker of a Flink cluster). The
patches act on the portable SDK harness, its state cache and its state channel, so runners that
run DoFns in that harness get them (`PORTABLE_RUNNERS`: the FnApiRunner behind DirectRunner,
Prism, Flink; `PATCH_RUNNERS` says which patch is for which); a runner without it
(BundleBasedDirectRunner, which Beam picks for TestStream pipelines) gets none. Worker
processes that Beam itself starts (the DirectRunner's `multi_processing` mode) are not reached:
they run the SDK's own code, slower and with the same results. Measurements behind each patch: docs/decisions-dedup.md.

1. State-cache weights. The harness weighs every value it puts in its user-state cache with
`objsize`, which on each call walks the globals of every loaded module to exclude them; with the
language models, numpy and lexbor loaded that dominates dedup. The cache only needs a weight to
bound its memory, so a bounded-depth estimate replaces the exact walk.

2. State commits. At the end of a bundle the harness writes each modified state cell and waits
for the runner's answer before writing the next: one round trip per (key, cell) in a row on
Prism and Flink (on the FnApiRunner the answer is in memory, but each request still costs a
handler call). All writes are now sent first and awaited together; the state channel applies
requests in order, which the harness already relies on when it sends a clear and an append for
one cell without waiting in between.

3. Clears of empty cells (part of 2). Writing a value cell is a clear and an append. When the
harness's cache already holds the cell's content as an empty list (it was read and found empty,
or cleared, under the runner's cache token), the clear changes nothing on the runner and is not
sent: every first write of a per-document cell was such a clear.

4. Splits of stateful bundles (Prism only). A stage with user state answers a runner's split
request as a bundle that cannot be split; see `PATCH_RUNNERS` for why.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import apache_beam
from apache_beam.portability import common_urns
from apache_beam.portability.api import beam_fn_api_pb2, beam_runner_api_pb2
from apache_beam.runners.worker import bundle_processor, statecache

from pipelines.versions import BEAM_VERSION

LOG = logging.getLogger(__name__)

_CONTAINERS = (list, tuple, set, frozenset)
_BYTES_ONLY = {bytes}


def approximate_size(obj: Any, depth: int = 4) -> int:
    """sys.getsizeof of the object and, a few levels down, of what containers hold."""
    size = sys.getsizeof(obj, 64)
    if depth <= 0:
        return size
    if isinstance(obj, dict):
        return size + sum(approximate_size(k, depth - 1) + approximate_size(v, depth - 1) for k, v in obj.items())
    if isinstance(obj, _CONTAINERS):
        if obj and set(map(type, obj)) == _BYTES_ONLY:  # a bag of encoded values: weigh them in C
            return size + sum(map(sys.getsizeof, obj))
        return size + sum(approximate_size(item, depth - 1) for item in obj)
    return size


def _patched_deep_size(*objs: Any) -> int:
    return sum(approximate_size(o) for o in objs)


def _bag_of(state: Any) -> Any:
    """The SDK bag behind a bag or value cell, when it has the fields this patch writes from."""
    if type(state) is bundle_processor.ReadModifyWriteRuntimeState:
        state = getattr(state, "_underlying_bag_state", None)
    if type(state) is bundle_processor.SynchronousBagRuntimeState and all(
            hasattr(state, a) for a in ("_cleared", "_added_elements", "_state_handler", "_state_key", "_value_coder")):
        return state
    return None


def _known_empty(bag: Any) -> bool:
    """True when the SDK cache holds the bag's runner-side content as an empty list."""
    handler = bag._state_handler
    try:
        token = handler._get_cache_token(bag._state_key)
        if not token:
            return False
        cached = handler._state_cache.peek((handler._convert_to_cache_key(bag._state_key), token))
    except AttributeError:  # not the SDK's caching handler: send the clear as the SDK does
        return False
    return type(cached) is list and not cached


def _pipelined_commit(self: Any) -> None:
    """FnApiUserStateContext.commit, sending every bag and value cell's writes before waiting."""
    waits = []
    for state in self._all_states.values():
        bag = _bag_of(state)
        if bag is None:
            state.commit()  # other kinds (set, ordered list, combining) as the SDK does them
            continue
        future = None
        if bag._cleared and not _known_empty(bag):
            future = bag._state_handler.clear(bag._state_key)
        if bag._added_elements:
            future = bag._state_handler.extend(bag._state_key, bag._value_coder.get_impl(), bag._added_elements)
        if future is not None:
            waits.append(future)
    for future in waits:
        future.get()


_SDK_TRY_SPLIT = bundle_processor.BundleProcessor.try_split


def _holds_user_state(processor: Any) -> bool:
    """Whether a step of the processor's stage keeps user state or timers, read once from its
    bundle descriptor (the compiled operations do not expose it)."""
    known = getattr(processor, "_newsbeam_user_state", None)
    if known is None:
        known = False
        for transform in processor.process_bundle_descriptor.transforms.values():
            if transform.spec.urn == common_urns.primitives.PAR_DO.urn:
                payload = beam_runner_api_pb2.ParDoPayload.FromString(transform.spec.payload)
                if payload.state_specs or payload.timer_family_specs:
                    known = True
                    break
        processor._newsbeam_user_state = known
    return known


def _split_stateless_only(self: Any, request: Any) -> Any:
    """BundleProcessor.try_split, answering a split request in a stage with user state as for a
    bundle that cannot be split (an empty response), which runners must accept."""
    if _holds_user_state(self):
        return beam_fn_api_pb2.ProcessBundleSplitResponse()
    return _SDK_TRY_SPLIT(self, request)


def _install_stateful_splits() -> None:
    bundle_processor.BundleProcessor.try_split = _split_stateless_only


def _remove_stateful_splits() -> None:
    if bundle_processor.BundleProcessor.try_split is _split_stateless_only:
        bundle_processor.BundleProcessor.try_split = _SDK_TRY_SPLIT


def _install_cache_weights() -> None:
    statecache.get_deep_size = _patched_deep_size


def _install_state_commits() -> None:
    bundle_processor.FnApiUserStateContext.commit = _pipelined_commit


_SDK_COMMIT = bundle_processor.FnApiUserStateContext.commit


def _remove_state_commits() -> None:
    if bundle_processor.FnApiUserStateContext.commit is _pipelined_commit:
        bundle_processor.FnApiUserStateContext.commit = _SDK_COMMIT


_INSTALLERS = {"state_cache_weights": _install_cache_weights, "state_commits": _install_state_commits,
               "stateful_splits": _install_stateful_splits}
_REMOVERS = {"state_commits": _remove_state_commits, "stateful_splits": _remove_stateful_splits}
PORTABLE_RUNNERS = frozenset({"DirectRunner", "PrismRunner", "FlinkRunner", "PortableRunner"})
# Which runners each patch is for. Prism answers state requests of one bundle out of the order
# they were sent in when they are pipelined: two Prism streaming runs of the same input differed in
# final stories more often with the pipelined commit than without, so Prism keeps the SDK's commit.
# Prism (2.62) splits a bundle that makes no progress and schedules the split-off elements at once,
# without waiting for the keys the unfinished part holds: a stalled stateful bundle then ran beside
# bundles of its own keys, which read state it had not committed (lost story members). Stateful
# stages on Prism refuse splits (docs/decisions-resilience.md).
PATCH_RUNNERS = {
    "state_cache_weights": PORTABLE_RUNNERS,
    "state_commits": PORTABLE_RUNNERS - {"PrismRunner"},
    "stateful_splits": frozenset({"PrismRunner"}),
}
_refused = False  # the version warning is logged once per process


def install(runner: str) -> bool:
    """Install the patches in this process when `runner` runs DoFns in the portable SDK harness.

    Idempotent. Returns True when they are in force, False when the runner needs none or when
    the installed Beam is not the one they were written for (one WARNING, and the SDK's own code
    stays: slower dedup state, same results)."""
    global _refused
    if runner not in PORTABLE_RUNNERS:
        LOG.debug("no Beam SDK patches for runner %s: it does not run the portable SDK harness", runner)
        return False
    running = apache_beam.__version__
    if running != BEAM_VERSION:
        if not _refused:
            LOG.warning("Beam SDK patches NOT installed: written for apache-beam %s, this is %s; dedup state "
                        "runs on the SDK's own (slower) code until pipelines/beam/sdk_patches.py is checked "
                        "against it and pipelines/versions.py updated", BEAM_VERSION, running)
            _refused = True
        return False
    for name, install_patch in _INSTALLERS.items():
        if runner in PATCH_RUNNERS[name]:
            install_patch()
        elif name in _REMOVERS:
            _REMOVERS[name]()  # in-process runners share the SDK: a job on another runner may have set it
    return True


def installed() -> tuple[str, ...]:
    """The patches in force in this process."""
    active = []
    if statecache.get_deep_size is _patched_deep_size:
        active.append("state_cache_weights")
    if bundle_processor.FnApiUserStateContext.commit is _pipelined_commit:
        active.append("state_commits")
    if bundle_processor.BundleProcessor.try_split is _split_stateless_only:
        active.append("stateful_splits")
    return tuple(active)
