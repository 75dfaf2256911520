"""The type of one entry of the word registry (:mod:`budgetsim.words`)."""

from __future__ import annotations

from dataclasses import dataclass

from budgetsim.metrics import Lang

__all__ = ["Word"]


@dataclass(frozen=True)
class Word:
    """A word or phrase of the outputs in Chinese and English (``{name}`` fields are filled
    by the caller with :meth:`str.format`)."""

    key: str
    zh: str
    en: str

    def text(self, lang: Lang = "zh") -> str:
        """The phrase in ``lang``."""
        return self.zh if lang == "zh" else self.en
