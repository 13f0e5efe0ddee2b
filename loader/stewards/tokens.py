"""Steward tokens: configured by the operator in a JSON file, stored only as SHA-256 hashes.

The file (``UNPACS_TOKENS_FILE``) looks like::

    {"tokens": [{"label": "phl-steward", "sha256": "<hex>", "countries": ["PHL"],
                 "actions": ["validate", "draft"]}]}

``countries`` holds ISO 3166-1 alpha-3 codes, or ``"*"`` for every country. A presented token is
hashed and compared with every configured hash by ``hmac.compare_digest`` (constant time, and
all entries are compared so the time does not say which one matched). Tokens are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from unpacs.loader.errors import ConfigError, InputError

ACTIONS = ("validate", "draft", "publish", "update")
ALL_COUNTRIES = "*"
_ISO3 = re.compile(r"^[A-Z]{3}$")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class Token:
    label: str
    sha256: str
    countries: tuple[str, ...]
    actions: tuple[str, ...]

    def may(self, action: str) -> bool:
        return action in self.actions

    def covers(self, country: str) -> bool:
        return ALL_COUNTRIES in self.countries or country in self.countries

    def describe(self) -> dict[str, object]:
        """What the token may do, for refusals (never the hash)."""
        return {
            "label": self.label,
            "countries": list(self.countries),
            "actions": list(self.actions),
        }


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _check_entry(entry: object, path: Path) -> Token:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: every token entry must be an object", file=str(path))
    try:
        label = str(entry["label"])
        digest = str(entry["sha256"]).lower()
        countries = tuple(str(c) for c in entry["countries"])
        actions = tuple(str(a) for a in entry["actions"])
    except (KeyError, TypeError):
        raise ConfigError(
            f"{path}: a token entry needs label, sha256, countries and actions",
            file=str(path),
        ) from None
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ConfigError(f"{path}: token {label!r} has no valid sha256 hash", file=str(path))
    check_countries(countries)
    check_actions(actions)
    return Token(label, digest, countries, actions)


def check_countries(countries: Sequence[str]) -> None:
    if not countries:
        raise InputError("a token needs at least one country (ISO alpha-3 code, or *)")
    for code in countries:
        if code != ALL_COUNTRIES and not _ISO3.match(code):
            raise InputError(f"{code!r} is not an ISO 3166-1 alpha-3 code such as PHL, or *")


def check_actions(actions: Sequence[str]) -> None:
    if not actions:
        raise InputError("a token needs at least one action: " + ", ".join(ACTIONS))
    for action in actions:
        if action not in ACTIONS:
            raise InputError(f"unknown action {action!r}; allowed: {', '.join(ACTIONS)}")


def load_tokens(path: Path | None) -> list[Token]:
    """The configured tokens; no file configured means no tokens (every write is refused)."""
    if path is None or not path.exists():
        return []
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(f"cannot read tokens file {path}: {error}", file=str(path)) from None
    entries = document.get("tokens", []) if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(f'{path}: expected {{"tokens": [...]}}', file=str(path))
    tokens = [_check_entry(e, path) for e in entries]
    labels = [t.label for t in tokens]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"{path}: token labels must be unique", file=str(path))
    return tokens


def authenticate(presented: str, tokens: Iterable[Token]) -> Token | None:
    """The token whose hash matches ``presented``, compared in constant time."""
    digest = hash_token(presented)
    found = None
    for token in tokens:
        if hmac.compare_digest(digest, token.sha256):
            found = token
    return found


def add_token(path: Path, label: str, countries: Sequence[str], actions: Sequence[str]) -> str:
    """Create a token, store its hash in ``path`` and return the secret (shown once)."""
    if not _LABEL.match(label):
        raise InputError(f"{label!r} is not a valid label: letters, digits, '.', '_', '@', '-'")
    countries = [c.strip().upper() if c.strip() != ALL_COUNTRIES else c.strip() for c in countries]
    actions = [a.strip() for a in actions]
    check_countries(countries)
    check_actions(actions)
    existing = load_tokens(path)
    if any(t.label == label for t in existing):
        raise InputError(f"a token labelled {label!r} exists already in {path}")
    secret = secrets.token_urlsafe(32)
    entries = [
        {
            "label": t.label,
            "sha256": t.sha256,
            "countries": list(t.countries),
            "actions": list(t.actions),
        }
        for t in existing
    ]
    entries.append(
        {"label": label, "sha256": hash_token(secret), "countries": countries, "actions": actions}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    # Owner-only: the file holds hashes, but nobody else needs to read it.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"tokens": entries}, out, indent=2)
        out.write("\n")
    temporary.replace(path)
    return secret
