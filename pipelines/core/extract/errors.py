"""The one exception extraction raises on purpose: the page goes to the dead-letter topic."""

from __future__ import annotations


class ExtractError(ValueError):
    """A page that cannot become an article; `reason` goes to the dead letter, `error_class` to its header."""

    def __init__(self, reason: str, error_class: str = "ExtractError") -> None:
        super().__init__(reason)
        self.reason = reason
        self.error_class = error_class
