"""Typed, frozen settings read once from ``UNPACS_*`` variables (and overridden by CLI options)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unpacs.loader import bundled as resources
from unpacs.loader.errors import ConfigError

DEFAULT_BASE_IRI = "http://127.0.0.1:8000/"


def address_iri(host: str, port: int) -> str:
    """``http://{host}:{port}/``, the base IRI of a server that nobody gave another name."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal (RFC 3986 section 3.2.2)
    return f"http://{host}:{port}/"


def _parse_int(name: str, raw: str, minimum: int = 0, maximum: int | None = None) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not an integer", hint=f"set {name} to a whole number"
        ) from None
    if value < minimum or (maximum is not None and value > maximum):
        allowed = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        raise ConfigError(f"{name}={raw!r} is out of range", hint=f"{name} must be {allowed}")
    return value


def _parse_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not a number", hint=f"set {name} to a positive number"
        ) from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be positive", hint=f"set {name} above 0")
    return value


def _parse_bool(name: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean", hint=f"set {name} to true or false")


def _parse_base_iri(name: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")) or not raw.endswith("/"):
        raise ConfigError(
            f"{name}={raw!r} is not an http(s) IRI ending with '/'",
            hint=f"set {name} like https://example.org/unpacs/",
        )
    return raw


def _parse_optional_url(name: str, raw: str) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(f"{name}={raw!r} is not an http(s) URL", hint=f"unset {name} or fix it")
    return raw


def _parse_iri_list(name: str, raw: str) -> frozenset[str]:
    iris = frozenset(part for part in raw.replace(",", " ").split() if part)
    for iri in iris:
        if not iri.startswith(("http://", "https://")):
            raise ConfigError(
                f"{name} lists {iri!r}, which is not an http(s) IRI",
                hint=f"set {name} to space-separated endpoint IRIs, or unset it",
            )
    return iris


PAUSE_POINTS = ("", "before-store-commit", "after-store-commit")
SHACL_ENGINES = ("turbo", "pyshacl")


def _parse_choice(name: str, raw: str, allowed: tuple[str, ...]) -> str:
    if raw not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise ConfigError(f"{name}={raw!r} is not allowed", hint=f"set {name} to one of {shown}")
    return raw


@dataclass(frozen=True)
class Settings:
    """Every setting; its variable, parser and help text are in ``SETTINGS_HELP``."""

    store: str = "var/store"
    update_url: str | None = None
    graph_store_url: str | None = None
    # "" means "the address the server listens on" (``address_iri(host, port)``), resolved once
    # when the settings are made, so that links resolve on whatever port is served.
    base_iri: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    max_input_bytes: int = 200 * 1024 * 1024
    max_upload_rows: int = 50_000
    max_unzipped_bytes: int = 64 * 1024 * 1024
    upload_timeout: float = 120.0
    query_timeout: float = 30.0
    result_limit: int = 10_000
    query_workers: int = field(default_factory=lambda: min(4, os.cpu_count() or 1))
    query_memory_mb: int = 2048
    # 0: every worker but one, so that one client never holds them all.
    client_query_workers: int = 0
    query_cache_mb: int = 64
    max_request_bytes: int = 1024 * 1024
    max_query_length: int = 100_000
    max_query_depth: int = 256
    allowed_services: frozenset[str] = frozenset()
    shapes_dir: Path = field(default=resources.SHAPES_DIR)
    shacl_engine: str = "turbo"
    data_dir: Path = field(default=resources.DATA_DIR)
    tokens_file: Path | None = None
    history_file: Path | None = None
    # Test only: see SETTINGS_HELP["test_pause_at"]; "" in every real deployment.
    test_pause_at: str = ""

    def __post_init__(self) -> None:
        if not self.base_iri:
            # The one place a frozen instance is completed: the default depends on two fields.
            object.__setattr__(self, "base_iri", address_iri(self.host, self.port))

    @property
    def store_is_remote(self) -> bool:
        return self.store.startswith(("http://", "https://"))

    @property
    def history_path(self) -> Path:
        """The stewards' history and drafts database: beside an embedded store by default."""
        if self.history_file is not None:
            return self.history_file
        if self.store_is_remote:
            return Path("var/unpacs-history.sqlite")
        store = Path(self.store)
        return store.parent / (store.name + ".history.sqlite")

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with the non-None ``changes`` applied (CLI options over environment)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


# name -> (environment variable, parser, help). A test checks every field is listed here and in
# the README.
SETTINGS_HELP: dict[str, tuple[str, Callable[[str, str], Any], str]] = {
    "store": (
        "UNPACS_STORE",
        lambda _n, raw: raw,
        "On-disk store directory, or the http(s) query URL of a SPARQL 1.1 engine.",
    ),
    "update_url": (
        "UNPACS_UPDATE_URL",
        _parse_optional_url,
        "Remote store only: SPARQL 1.1 Update endpoint (default: derived from the query URL).",
    ),
    "graph_store_url": (
        "UNPACS_GRAPH_STORE_URL",
        _parse_optional_url,
        "Remote store only: Graph Store Protocol endpoint (default: derived from the query URL).",
    ),
    "base_iri": (
        "UNPACS_BASE_IRI",
        _parse_base_iri,
        "Base IRI of every IRI we mint and that relative IRIs in data/, shapes/ and ontology/"
        " resolve against; unset, it is http://{host}:{port}/ (the served address).",
    ),
    "host": ("UNPACS_HOST", lambda _n, raw: raw, "Interface the HTTP server listens on."),
    "port": (
        "UNPACS_PORT",
        lambda n, raw: _parse_int(n, raw, 1, 65535),
        "TCP port the HTTP server listens on.",
    ),
    "max_input_bytes": (
        "UNPACS_MAX_INPUT_BYTES",
        lambda n, raw: _parse_int(n, raw, 1),
        "Largest file or request body the loader accepts, in bytes; larger ones get 413.",
    ),
    "max_upload_rows": (
        "UNPACS_MAX_UPLOAD_ROWS",
        lambda n, raw: _parse_int(n, raw, 1),
        "Most rows (CSV records, XLSX sheet rows) one upload may hold; more get 413.",
    ),
    "max_unzipped_bytes": (
        "UNPACS_MAX_UNZIPPED_BYTES",
        lambda n, raw: _parse_int(n, raw, 1),
        "Most bytes an XLSX upload may expand to (all zip members), checked before it is "
        "opened; more get 413.",
    ),
    "upload_timeout": (
        "UNPACS_UPLOAD_TIMEOUT",
        _parse_float,
        "Seconds parsing and validating one upload may take (in a query worker, within "
        "UNPACS_QUERY_MEMORY_MB) before it is stopped.",
    ),
    "query_timeout": (
        "UNPACS_QUERY_TIMEOUT",
        _parse_float,
        "Seconds a SPARQL query may run before it is stopped.",
    ),
    "result_limit": (
        "UNPACS_RESULT_LIMIT",
        lambda n, raw: _parse_int(n, raw, 1),
        "Most solutions or triples a query returns; past it the answer is cut and says so.",
    ),
    "query_workers": (
        "UNPACS_QUERY_WORKERS",
        lambda n, raw: _parse_int(n, raw, 1, 64),
        "Query worker processes (queries evaluated at once) of an embedded store.",
    ),
    "query_memory_mb": (
        "UNPACS_QUERY_MEMORY_MB",
        lambda n, raw: _parse_int(n, raw, 0),
        "Memory one query or upload check may allocate, in MB, before it is stopped (0: no limit).",
    ),
    "client_query_workers": (
        "UNPACS_CLIENT_QUERY_WORKERS",
        lambda n, raw: _parse_int(n, raw, 0, 64),
        "Most query workers one client (token, else address) may hold at once; past it 429 "
        "(0: all but one).",
    ),
    "query_cache_mb": (
        "UNPACS_QUERY_CACHE_MB",
        lambda n, raw: _parse_int(n, raw, 0),
        "Memory for cached query answers, in MB (0: no cache).",
    ),
    "max_request_bytes": (
        "UNPACS_MAX_REQUEST_BYTES",
        lambda n, raw: _parse_int(n, raw, 1),
        "Largest /sparql request (query string or body) in bytes; larger ones get 413.",
    ),
    "max_query_length": (
        "UNPACS_MAX_QUERY_LENGTH",
        lambda n, raw: _parse_int(n, raw, 1),
        "Longest SPARQL query text in characters; longer ones get 400 before parsing.",
    ),
    "max_query_depth": (
        "UNPACS_MAX_QUERY_DEPTH",
        lambda n, raw: _parse_int(n, raw, 1, 4096),
        "Deepest nesting of (), {} and [] in a query, checked before parsing (400 beyond).",
    ),
    "allowed_services": (
        "UNPACS_ALLOWED_SERVICES",
        _parse_iri_list,
        "Space-separated endpoint IRIs that SPARQL SERVICE may call (default none; the query "
        "timeout covers them).",
    ),
    "shapes_dir": ("UNPACS_SHAPES_DIR", lambda _n, raw: Path(raw), "Folder of SHACL shapes."),
    "shacl_engine": (
        "UNPACS_SHACL_ENGINE",
        lambda name, raw: _parse_choice(name, raw, SHACL_ENGINES),
        "SHACL engine: turbo (the Rust pyshacl-turbo for core constraints, pySHACL for the "
        "SPARQL constraints it flags; the same results, about 10x faster) or pyshacl (the "
        "reference alone).",
    ),
    "data_dir": (
        "UNPACS_DATA_DIR",
        lambda _n, raw: Path(raw),
        "Folder of bundled data that `unpacs build` loads.",
    ),
    "tokens_file": (
        "UNPACS_TOKENS_FILE",
        lambda _n, raw: Path(raw) if raw else None,
        "JSON file of steward tokens (label, sha256, countries, actions); unset: no writes.",
    ),
    "history_file": (
        "UNPACS_HISTORY_FILE",
        lambda _n, raw: Path(raw) if raw else None,
        "SQLite file of the commit history and drafts (default: beside the store).",
    ),
    "test_pause_at": (
        "UNPACS_TEST_PAUSE_AT",
        lambda name, raw: _parse_choice(name, raw, PAUSE_POINTS),
        "TEST ONLY, never set in a deployment: a commit stops at this point (before-store-commit"
        " or after-store-commit), says so on stderr and sleeps, so a crash test can kill it there.",
    ),
}


def from_env(environ: Mapping[str, str]) -> Settings:
    """Build settings from ``environ``; unknown ``UNPACS_*`` variables are an error."""
    known = {var for var, _p, _h in SETTINGS_HELP.values()}
    unknown = sorted(k for k in environ if k.startswith("UNPACS_") and k not in known)
    if unknown:
        raise ConfigError(
            f"unknown setting {unknown[0]}",
            hint="known settings: " + ", ".join(sorted(known)),
        )
    values: dict[str, Any] = {}
    for name, (var, parse, _help) in SETTINGS_HELP.items():
        raw = environ.get(var)
        if raw is not None:
            values[name] = parse(var, raw)
    return Settings(**values)
