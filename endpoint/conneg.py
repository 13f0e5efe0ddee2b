"""Content negotiation, with one written precedence: ``?format=`` > suffix > ``Accept``."""

from __future__ import annotations

from collections.abc import Sequence

from flask import Request
from werkzeug.exceptions import NotAcceptable

from unpacs.loader import formats
from unpacs.loader.errors import UnsupportedFormatError
from unpacs.loader.formats import Format


def negotiate(request: Request, offered: Sequence[Format], *, suffix: str | None = None) -> Format:
    """Pick one of ``offered`` for ``request``; the first offered format is the default."""
    requested = request.args.get("format")
    if requested:
        # A '+' in a media type arrives as a space when the client did not encode it.
        requested = requested.replace(" ", "+")
        for fmt in offered:
            if requested in (fmt.name, *fmt.aliases, *fmt.media_types):
                return fmt
        raise NotAcceptable(
            f"format {requested!r} is not offered here; use one of "
            + ", ".join(f.name for f in offered)
        )
    if suffix:
        for fmt in offered:
            if "." + suffix in fmt.suffixes or suffix in (fmt.name, *fmt.aliases):
                return fmt
        raise NotAcceptable(f"no representation with suffix .{suffix}")
    if not request.accept_mimetypes or request.accept_mimetypes.provided is False:
        return offered[0]
    media_types = [m for fmt in offered for m in fmt.media_types]
    best = request.accept_mimetypes.best_match(media_types)
    if best is None:
        raise NotAcceptable(
            "none of the offered media types is acceptable: " + ", ".join(media_types)
        )
    found = formats.by_media_type(best)
    for fmt in offered:
        if found is fmt or best in fmt.media_types:
            return fmt
    raise UnsupportedFormatError(f"no format for {best}")


HTML = "text/html"
MACHINE_TYPES = ("application/json", "application/problem+json")


def prefers_html(
    request: Request, machine: Sequence[str] = MACHINE_TYPES, *, html_by_default: bool = False
) -> bool:
    """The one "page or data?" decision: whether ``request`` asks for HTML before the
    ``machine`` media types offered beside it. A browser names text/html; ``*/*`` alone (curl,
    scripts) gets the first offered, which is HTML only where a page is the default."""
    accept = request.accept_mimetypes
    if not accept or accept.provided is False:
        return html_by_default
    offered = [HTML, *machine] if html_by_default else [*machine, HTML]
    return accept.best_match(offered) == HTML


def find_format(requested: str, offered: Sequence[Format]) -> Format | None:
    """The offered format a ``?format=`` value names (name, alias or media type)."""
    wanted = requested.replace(" ", "+").strip().lower()
    for fmt in offered:
        if wanted in (fmt.name, *fmt.aliases, *fmt.media_types):
            return fmt
    return None


def acceptable(request: Request, offered: Sequence[Format]) -> list[Format]:
    """Every offered format the client accepts, best first (q-values, then specificity, then
    our order); without an ``Accept`` header all of them, in our order."""
    accept = request.accept_mimetypes
    if not accept or accept.provided is False:
        return list(offered)
    remaining = list(offered)
    ordered: list[Format] = []
    while remaining:
        best = accept.best_match([m for fmt in remaining for m in fmt.media_types])
        if best is None:
            break
        chosen = next(fmt for fmt in remaining if best in fmt.media_types)
        ordered.append(chosen)
        remaining.remove(chosen)
    return ordered
