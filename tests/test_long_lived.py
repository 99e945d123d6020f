"""A worker freezes what it has loaded once, and only once: full collections then skip it."""

from __future__ import annotations

import gc


def test_the_objects_loaded_are_frozen_once_per_process(monkeypatch) -> None:
    from pipelines.beam import long_lived

    long_lived._FROZEN.clear()
    gc.unfreeze()
    try:
        assert long_lived.freeze_loaded_objects() is True
        assert gc.get_freeze_count() > 10_000, "the modules loaded by now (Beam, the project) are frozen"
        # Counting frozen objects again would race with other threads of a test process: the
        # second call must simply not freeze.
        freezes: list[bool] = []
        monkeypatch.setattr(gc, "freeze", lambda: freezes.append(True))
        assert long_lived.freeze_loaded_objects() is False
        assert freezes == [], "a second step's setup freezes nothing more"
        monkeypatch.undo()
        built_later: list = []
        built_later.append(built_later)  # a cycle, as job structures may make
        del built_later
        assert gc.collect() >= 1, "what the job builds later stays with the collector"
    finally:
        gc.unfreeze()
        long_lived._FROZEN.clear()


def test_tagging_languages_sets_the_freeze_up() -> None:
    from apache_beam.utils import shared

    from pipelines.beam import long_lived
    from pipelines.beam.steps.language import _TagLanguagesFn

    long_lived._FROZEN.clear()
    gc.unfreeze()
    try:
        _TagLanguagesFn(shared.Shared(), ("en", "id")).setup()
        assert long_lived._FROZEN.is_set() and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        long_lived._FROZEN.clear()
