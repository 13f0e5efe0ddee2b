"""Steward tokens: configured by the operator in a JSON file, stored only as SHA-256 hashes.

The file (``UNPACS_TOKENS_FILE``) looks like::

    {"tokens": [{"label": "phl-steward", "sha256": "<hex>", "countries": ["PHL"],
                 "actions": ["validate", "draft"], "expires": "2027-01-01T00:00:00+00:00"}]}

``countries`` holds ISO 3166-1 alpha-3 codes, or ``"*"`` for every country (the operator: only
such a token writes shared graphs). ``expires`` (optional, ISO 8601; a date means its midnight
UTC) and ``revoked`` (set by ``unpacs token revoke``, the time of revocation) make a token
unusable: it is refused with 401 and a message saying which. The file is re-read whenever it
changes (modification time, size, inode), so an added or revoked token takes effect at once.

A presented token is hashed and compared with every configured hash by ``hmac.compare_digest``
(constant time, and all entries are compared so the time does not say which one matched).
Tokens are never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
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
    expires: datetime | None = None
    revoked: str | None = None

    def unusable(self, at: datetime | None = None) -> str | None:
        """Why the token cannot be used any more (revoked, expired), or None."""
        if self.revoked:
            return f"token {self.label!r} was revoked on {self.revoked}"
        if self.expires is not None and (at or datetime.now(UTC)) >= self.expires:
            return f"token {self.label!r} expired on {self.expires.isoformat()}"
        return None

    def entry(self) -> dict[str, object]:
        """The token's line in the tokens file."""
        found: dict[str, object] = {
            "label": self.label,
            "sha256": self.sha256,
            "countries": list(self.countries),
            "actions": list(self.actions),
        }
        if self.expires is not None:
            found["expires"] = self.expires.isoformat()
        if self.revoked:
            found["revoked"] = self.revoked
        return found

    def may(self, action: str) -> bool:
        return action in self.actions

    def covers(self, country: str) -> bool:
        return ALL_COUNTRIES in self.countries or country in self.countries

    def describe(self) -> dict[str, object]:
        """What the token may do, for refusals (never the hash)."""
        found: dict[str, object] = {
            "label": self.label,
            "countries": list(self.countries),
            "actions": list(self.actions),
        }
        if self.expires is not None:
            found["expires"] = self.expires.isoformat()
        return found


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
    try:
        check_countries(countries)
        check_actions(actions)
        expires = parse_expiry(entry["expires"]) if entry.get("expires") else None
    except InputError as error:
        raise ConfigError(f"{path}: token {label!r}: {error.message}", file=str(path)) from None
    revoked = str(entry["revoked"]) if entry.get("revoked") else None
    return Token(label, digest, countries, actions, expires, revoked)


def parse_expiry(value: object) -> datetime:
    """An ISO 8601 date or date-time; without a zone it is UTC, a bare date its midnight."""
    try:
        found = datetime.fromisoformat(str(value))
    except ValueError:
        raise InputError(
            f"{value!r} is not an ISO 8601 date or date-time such as 2027-01-01"
        ) from None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


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
    """The configured tokens; no file configured means no tokens (every write is refused).

    Read again only when the file changed: a revocation counts from the next request.
    """
    if path is None:
        return []
    try:
        info = path.stat()
    except FileNotFoundError:
        return []
    except OSError as error:
        raise ConfigError(f"cannot read tokens file {path}: {error}", file=str(path)) from None
    return list(_read_tokens(path, (info.st_mtime_ns, info.st_size, info.st_ino)))


@lru_cache(maxsize=8)
def _read_tokens(path: Path, _version: tuple[int, int, int]) -> tuple[Token, ...]:
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
    return tuple(tokens)


def authenticate(presented: str, tokens: Iterable[Token]) -> Token | None:
    """The token whose hash matches ``presented``, compared in constant time."""
    digest = hash_token(presented)
    found = None
    for token in tokens:
        if hmac.compare_digest(digest, token.sha256):
            found = token
    return found


def add_token(
    path: Path,
    label: str,
    countries: Sequence[str],
    actions: Sequence[str],
    expires: datetime | None = None,
) -> str:
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
    if expires is not None and expires <= datetime.now(UTC):
        raise InputError(f"the expiry {expires.isoformat()} is in the past")
    secret = secrets.token_urlsafe(32)
    added = Token(label, hash_token(secret), tuple(countries), tuple(actions), expires)
    write_tokens(path, [*existing, added])
    return secret


def expiry_in(days: int) -> datetime:
    if days < 1:
        raise InputError(f"--days {days}: a token lives at least one day")
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)


def revoke_token(path: Path, label: str) -> Token:
    """Mark the token ``label`` revoked (kept in the file, so a refusal can say so)."""
    existing = load_tokens(path)
    found = [t for t in existing if t.label == label]
    if not found:
        known = ", ".join(t.label for t in existing) or "none"
        raise InputError(f"no token labelled {label!r} in {path} (labels: {known})")
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    revoked = replace(found[0], revoked=stamp)
    write_tokens(path, [revoked if t.label == label else t for t in existing])
    return revoked


def write_tokens(path: Path, tokens: Sequence[Token]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    # Owner-only: the file holds hashes, but nobody else needs to read it.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"tokens": [t.entry() for t in tokens]}, out, indent=2)
        out.write("\n")
    temporary.replace(path)
