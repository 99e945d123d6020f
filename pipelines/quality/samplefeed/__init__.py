"""A deterministic, realistic sample feed for ``news.pages.raw.v1`` (demo, evals, e2e tests).

See :mod:`pipelines.quality.samplefeed.generate` for the record format and the CLI. The names below are
loaded lazily so that ``python -m pipelines.quality.samplefeed.generate`` does not import the module twice.
"""

from __future__ import annotations

from typing import Any

__all__ = ["generate_feed", "summarize", "write_feed"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from pipelines.quality.samplefeed import generate

        return getattr(generate, name)
    raise AttributeError(name)
