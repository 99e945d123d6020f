"""Article extraction, free of Beam so it can be unit-tested and benchmarked alone."""

from pipelines.core.extract.errors import ExtractError
from pipelines.core.extract.page import EXTRACTOR, VERSION, body_from_blocks, extract_article

__all__ = ["EXTRACTOR", "VERSION", "ExtractError", "body_from_blocks", "extract_article"]
