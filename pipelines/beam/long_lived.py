"""Objects a worker process keeps for its whole life, taken out of Python's cyclic collector.

A full collection (generation 2) walks every container object the process holds, with the GIL
held: every step of the worker waits for it. Most of those objects are loaded once and live as
long as the process (modules, the SDK, the language models), so each step that loads such things
calls `freeze_loaded_objects` once they are in: later full collections walk only what the job
built since. Frozen objects are still freed by reference counting; only cycles among them would
outlive their use, and these live for the process anyway. Figures: docs/decisions-runtime.md.
"""

from __future__ import annotations

import gc
import threading

_FROZEN = threading.Event()
_LOCK = threading.Lock()


def freeze_loaded_objects() -> bool:
    """Once per process: collect, then move every object tracked so far to the permanent
    generation. True when this call froze them."""
    with _LOCK:
        if _FROZEN.is_set():
            return False
        gc.collect()
        gc.freeze()
        _FROZEN.set()
        return True
