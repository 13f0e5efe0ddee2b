"""Page languages: the six UN languages, chosen by ``?lang=`` or ``Accept-Language``.

Page text comes from ``messages.json`` beside this module (English original, the project's own
translations); a string missing in a language falls back to English and the page says so.
Labels of things come from the data; a label missing in the page language falls back (English
first) with a note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from flask import Request

LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
NATIVE = {
    "ar": "العربية",
    "zh": "中文",
    "en": "English",
    "fr": "Français",
    "ru": "Русский",
    "es": "Español",
}
FALLBACK_ORDER = ("en", "fr", "es", "ru", "ar", "zh")
RTL = frozenset({"ar"})


@cache
def catalogue() -> dict[str, dict[str, str]]:
    data: dict[str, Any] = json.loads(
        (Path(__file__).parent / "messages.json").read_text(encoding="utf-8")
    )
    return {lang: data[lang] for lang in LANGUAGES if lang in data}


def choose_language(request: Request) -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        return wanted
    best = request.accept_languages.best_match(LANGUAGES)
    return best or "en"


@dataclass
class Text:
    """Page text in one language; remembers whether any string fell back to English."""

    lang: str
    fell_back: set[str] = field(default_factory=set)

    @property
    def direction(self) -> str:
        return "rtl" if self.lang in RTL else "ltr"

    def __call__(self, key: str) -> str:
        messages = catalogue()
        found = messages.get(self.lang, {}).get(key)
        if found is not None:
            return found
        self.fell_back.add(key)
        return messages["en"].get(key, key)


@dataclass(frozen=True)
class Label:
    text: str
    lang: str  # "" for a plain literal
    fallback: bool  # True when not in the page language


def pick_label(labels: dict[str, str], lang: str) -> Label | None:
    """The label in ``lang``, else a plain one, else the first by ``FALLBACK_ORDER``."""
    if lang in labels:
        return Label(labels[lang], lang, False)
    if "" in labels:
        return Label(labels[""], "", False)
    for other in (*FALLBACK_ORDER, *sorted(labels)):
        if other in labels:
            return Label(labels[other], other, True)
    return None
