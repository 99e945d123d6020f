"""Article extraction, free of Beam so it can be unit-tested and benchmarked alone."""

from pipelines.extract.page import EXTRACTOR, ExtractError, extract_article

__all__ = ["EXTRACTOR", "ExtractError", "extract_article"]
