"""Language tagging, free of Beam: detector cascade, id/ms evidence, per-block article tagging."""

from pipelines.core.language.article import collect_hints, declared_language, tag_article
from pipelines.core.language.codes import EXPECTED, METRIC_CODES, UNDETERMINED, metric_name
from pipelines.core.language.detector import CascadeConfig, Detection, LanguageTagger, get_tagger

__all__ = [
    "EXPECTED",
    "METRIC_CODES",
    "UNDETERMINED",
    "CascadeConfig",
    "Detection",
    "LanguageTagger",
    "get_tagger",
    "collect_hints",
    "declared_language",
    "metric_name",
    "tag_article",
]
