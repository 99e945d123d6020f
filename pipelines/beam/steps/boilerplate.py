"""Beam wiring of the per-site boilerplate model (pipelines/core/extract/boilerplate.py).

`LearnSiteBoilerplate` takes a PCollection of Article dicts and returns Articles: each is keyed by
site, a stateful DoFn keeps that site's model as a plain dict in ReadModifyWriteState (encoded as
JSON bytes, so it is inspectable and runner-neutral), relabels blocks that recur on many of the
site's pages as boilerplate, and learns from the page. An event-time timer, pushed forward by
every page of the site, clears the state once the site has been quiet for `max_age_ms`, so state
for sites that stop publishing does not live forever. Per key, elements are handled one at a time
in arrival order; see the model's docstring for what changes on an article (page_id does not)."""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam
import orjson
from apache_beam.coders import BytesCoder
from apache_beam.metrics import Metrics
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration, Timestamp

from pipelines.config import NAMESPACE  # noqa: E402
from pipelines.core.extract.boilerplate import BoilerplateConfig, SiteBoilerplate, site_key


class _LearnDoFn(beam.DoFn):
    """(site, Article) → Article, with the site's model in keyed state."""

    MODEL = ReadModifyWriteStateSpec("site_model", BytesCoder())
    EXPIRE = TimerSpec("expire", TimeDomain.WATERMARK)

    def __init__(self, config: BoilerplateConfig) -> None:
        self._config = config
        self._changed = Metrics.counter(NAMESPACE, "boilerplate_pages_changed")
        self._blocks = Metrics.counter(NAMESPACE, "boilerplate_blocks_learned")
        self._expired = Metrics.counter(NAMESPACE, "boilerplate_sites_expired")

    def process(
        self,
        element: tuple[str, dict],
        timestamp: Timestamp = beam.DoFn.TimestampParam,
        model_state=beam.DoFn.StateParam(MODEL),
        expire=beam.DoFn.TimerParam(EXPIRE),
    ) -> Iterator[dict]:
        _site, article = element
        raw = model_state.read()
        model = SiteBoilerplate(orjson.loads(raw) if raw else None, self._config)
        when = article.get("fetched_at") or int(timestamp.micros // 1000)
        out = model.process(article, when)
        model_state.write(orjson.dumps(model.state))
        expire.set(timestamp + Duration(micros=self._config.max_age_ms * 1000))
        if out is not article:
            self._changed.inc()
            self._blocks.inc(sum(
                1 for a, b in zip(article["blocks"], out["blocks"], strict=True) if a["kind"] != b["kind"]))
        yield out

    @on_timer(EXPIRE)
    def on_expire(self, model_state=beam.DoFn.StateParam(MODEL)) -> None:
        """No page of this site for max_age_ms of event time: drop its model."""
        model_state.clear()
        self._expired.inc()


class LearnSiteBoilerplate(beam.PTransform):
    """PCollection[Article] → PCollection[Article] with per-site learned boilerplate removed."""

    def __init__(self, config: BoilerplateConfig | None = None, label: str | None = None) -> None:
        super().__init__(label)
        self._config = config or BoilerplateConfig()

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        return (
            articles
            | "KeyBySite" >> beam.Map(lambda article: (site_key(article), article))
            | "LearnAndRelabel" >> beam.ParDo(_LearnDoFn(self._config))
        )
