"""The one way teaching commands turn a message id into a sentence: `say(lang, id, **values)`."""

from __future__ import annotations

from typing import Any

from convcalc.errors import UsageError
from convcalc.limits import Limit
from convcalc.teach import lang_en, lang_zh

CATALOGUES: dict[str, dict[str, str]] = {"en": lang_en.MESSAGES, "zh": lang_zh.MESSAGES}


def say(lang: str, key: str, **values: Any) -> str:
    """The message `key` in `lang`, with `values` filled in."""
    return CATALOGUES[lang][key].format(**values)


class TeachingError(UsageError):
    """A teaching command's error in the language asked for: message, hint and their labels."""

    def __init__(self, lang: str, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.lang = lang

    def render(self) -> str:
        head = say(self.lang, "err.label", message=self.message)
        return head if self.hint is None else head + "\n  " + say(self.lang, "err.hint", hint=self.hint)


def teaching_error(lang: str, key: str, *, hint_key: str | None = None, **values: Any) -> TeachingError:
    """The error `key` of the catalogue, with its hint `key.hint` (or `hint_key`) when there is one."""
    hint_id = hint_key or f"{key}.hint"
    hint = say(lang, hint_id, **values) if hint_id in CATALOGUES[lang] else None
    return TeachingError(lang, say(lang, key, **values), hint)


def check_limit(lang: str, limit: Limit, amount: int, **values: Any) -> None:
    """Refuse `amount` past `limit` before the work is done: the message `err.limit.<name>` (with
    `values`) and a hint naming the environment variable that raises the limit."""
    allowed = limit.value()
    if amount > allowed:
        key = f"err.limit.{limit.name.replace(' ', '_')}"
        if amount >= 10**18:  # past any limit a machine could honour; float() of a 400-digit padding overflows
            shown = f"~10^{int(amount.bit_length() * 0.30103)}"
            raise teaching_error(lang, key, amount=shown, limit=f"{allowed:,}", hint_key="err.limit.hint_huge", **values)
        raise teaching_error(lang, key, amount=f"{amount:,}", limit=f"{allowed:,}", hint_key="err.limit.hint",
                             env=limit.env, wanted=amount, **values)
