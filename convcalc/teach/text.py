"""The one way teaching commands turn a message id into a sentence: `say(lang, id, **values)`."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from convcalc.teach import lang_en, lang_zh

CATALOGUES: dict[str, dict[str, str]] = {"en": lang_en.MESSAGES, "zh": lang_zh.MESSAGES}


def say(lang: str, key: str, **values: Any) -> str:
    """The message `key` in `lang`, with `values` filled in."""
    return CATALOGUES[lang][key].format(**values)


def number(value: float | Fraction) -> str:
    """Whole numbers as integers; others to two decimals, as the lecture writes 2.33."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return str(value.numerator)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")
