"""One exception hierarchy for the whole project.

Errors carry structured fields so that the CLI can print them for people and the HTTP layer can
render them as RFC 9457 problem details without parsing messages.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One located problem: a syntax error, a bad CSV cell or a SHACL result."""

    message: str
    severity: str = "Violation"  # Violation | Warning | Info, as in SHACL
    file: str | None = None
    line: int | None = None
    column: int | None = None
    row: int | None = None
    field: str | None = None
    focus_node: str | None = None
    path: str | None = None
    value: str | None = None
    shape: str | None = None
    hint: str | None = None

    def location(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        loc = ":".join(parts)
        if self.row is not None:
            loc += f" row {self.row}"
        if self.field is not None:
            loc += f" column {self.field!r}"
        return loc

    def format(self) -> str:
        text = f"{self.location()}: {self.severity.lower()}: {self.message}"
        details = []
        if self.focus_node:
            details.append(f"focus node: {self.focus_node}")
        if self.path:
            details.append(f"path: {self.path}")
        if self.value is not None:
            details.append(f"value: {self.value}")
        if self.shape:
            details.append(f"shape: {self.shape}")
        if self.hint:
            details.append(f"hint: {self.hint}")
        if details:
            text += "\n    " + "\n    ".join(details)
        return text

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def row_length_issue(cells: int, header: int, file: str, row: int) -> Issue:
    """A CSV row with another number of cells than its header."""
    return Issue(
        f"row has {cells} cells, the header has {header}",
        file=file,
        row=row,
        hint="check for a missing or extra comma, or a quote that is not closed",
    )


@dataclass
class UnpacsError(Exception):
    """Base of every error unpacs raises on purpose."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    row: int | None = None
    field: str | None = None
    hint: str | None = None
    issues: Sequence[Issue] = dataclasses.field(default_factory=tuple)

    title = "unpacs error"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.format()

    def as_issue(self) -> Issue:
        """The error itself as one issue (its message, where it was found and the hint)."""
        return Issue(
            self.message,
            file=self.file,
            line=self.line,
            column=self.column,
            row=self.row,
            field=self.field,
            hint=self.hint,
        )

    def format(self) -> str:
        lines = []
        if self.file or self.line is not None or self.row is not None or self.field:
            lines.append(f"{self.as_issue().location()}: {self.message}")
        else:
            lines.append(self.message)
        lines.extend(issue.format() for issue in self.issues)
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


class ConfigError(UnpacsError):
    title = "invalid configuration"


class InputError(UnpacsError):
    """Input that cannot be read: unknown format, too large, missing file."""

    title = "invalid input"


class InputTooLargeError(InputError):
    title = "input too large"


class UploadLimitError(InputTooLargeError):
    """Checking the upload ran past its time or memory limit and was stopped."""

    title = "upload too costly to check"


class UnsafeInputError(InputError):
    """Input refused unread because parsing it could exhaust the process (XML entities, JSON
    nested without bound): a refusal of the whole upload (400), not a problem in its records."""

    title = "input refused"


class UnsupportedFormatError(InputError):
    title = "unsupported format"


class RdfSyntaxError(InputError):
    title = "RDF syntax error"


class CsvRecordError(InputError):
    title = "invalid CSV record"


class ValidationFailedError(UnpacsError):
    """The staged data does not conform to the shapes; nothing was written."""

    title = "records do not conform to the shapes"


class OutOfScopeError(UnpacsError):
    """A steward token may not do this: a missing action or a country it does not cover."""

    title = "outside the token's scope"
    may: dict[str, object] | None = None  # what the token may do, for the refusal
    subject: str | None = None  # the record outside the token's countries, when one is


class ConflictError(UnpacsError):
    """The write was made against a version that has changed since (a stale draft)."""

    title = "conflict"


class QueryError(UnpacsError):
    """A SPARQL query or update that the store refused (syntax, policy)."""

    title = "invalid SPARQL request"


class QueryRefusedError(QueryError):
    title = "SPARQL request refused by policy"


class NotAcceptableError(QueryError):
    """None of the formats the client accepts fits the form of the query."""

    title = "no acceptable result format"


class QueryTimeoutError(QueryError):
    title = "query timed out"


class QueryMemoryError(QueryError):
    title = "query exceeded its memory limit"


class QueryCrashedError(QueryError):
    title = "query evaluation failed"


class StoreError(UnpacsError):
    title = "store error"


class StoreBusyError(StoreError):
    title = "store in use"


class QueryBusyError(StoreBusyError):
    """Every query worker stayed busy for the whole timeout (HTTP 503 with ``Retry-After``)."""

    title = "all query workers are busy"
    retry_after = 1


class ClientBusyError(StoreBusyError):
    """This client already holds its share of the query workers (HTTP 429 with ``Retry-After``)."""

    title = "too many requests from this client at once"
    retry_after = 1
