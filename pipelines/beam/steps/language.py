"""Beam step: tag each Article dict with its languages (pipelines.core.language does the work).

Why Shared: the detectors are native objects that cannot be pickled and take seconds and
~0.6 GB to load, so each worker process builds one tagger in DoFn.setup() and every DoFn
instance and bundle thread of that process reuses it (apache_beam.utils.shared.Shared).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.metrics import Metrics
from apache_beam.utils import shared

from pipelines.beam.long_lived import freeze_loaded_objects
from pipelines.config import NAMESPACE  # noqa: E402
from pipelines.core.language import EXPECTED, LanguageTagger, metric_name, tag_article

_LOG = logging.getLogger(__name__)


class _SharedTagger:
    """Weak-referenceable holder, as Shared requires, keyed by the expected-language set."""

    def __init__(self, expected: Sequence[str]) -> None:
        self.tagger = LanguageTagger(expected=expected)


class _TagLanguagesFn(beam.DoFn):
    """Fills language fields of Article dicts and counts articles per language."""

    def __init__(self, handle: shared.Shared, expected: Sequence[str]) -> None:
        self._handle = handle
        self._expected = tuple(expected)
        self._tagger: LanguageTagger | None = None
        self._counters: dict[str, Any] = {}
        self._errors = Metrics.counter(NAMESPACE, "lang_errors")

    def setup(self) -> None:
        holder = self._handle.acquire(lambda: _SharedTagger(self._expected), tag=",".join(self._expected))
        self._tagger = holder.tagger
        freeze_loaded_objects()  # the models are in: they live as long as the worker

    def process(self, article: dict[str, Any]) -> Iterator[dict[str, Any]]:
        assert self._tagger is not None, "setup() builds the tagger"
        try:
            tagged = tag_article(article, tagger=self._tagger)
        except Exception:  # a tagging bug must not lose the article: it goes on untagged
            _LOG.exception("language tagging failed for %s", article.get("url"))
            self._errors.inc()
            tagged = article
        self._counter(str(tagged.get("language") or "und")).inc()
        yield tagged

    def _counter(self, code: str) -> Any:
        name = metric_name(code)
        counter = self._counters.get(name)
        if counter is None:
            counter = self._counters[name] = Metrics.counter(NAMESPACE, name)
        return counter


class TagLanguages(beam.PTransform):
    """PCollection[Article dict] -> the same articles with language, confidence and per-block languages."""

    def __init__(self, expected: Iterable[str] = EXPECTED) -> None:
        super().__init__()
        self._expected = tuple(expected)
        self._handle = shared.Shared()

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        return articles | "TagLanguage" >> beam.ParDo(_TagLanguagesFn(self._handle, self._expected))
