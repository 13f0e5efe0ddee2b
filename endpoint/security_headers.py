"""Headers every response carries: a Content-Security-Policy, ``nosniff``, a Referrer-Policy.

The policy allows only this origin's files: no inline script or style, no plugins, no ``<base>``,
no framing. It is the second line behind the link check in ``view_models`` (a ``javascript:``
URL is inline script, so the browser refuses it even if a link slipped through). A page that
must carry a fixed inline ``<style>`` (pyLODE's vocabulary page) names its hash with
``allow_styles``; nothing else relaxes the policy.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from flask import Flask, Response

POLICY: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self'"),
    # data: images: pyLODE's icons and YASGUI's stylesheet; an image cannot run script.
    ("img-src", "'self' data:"),
    ("object-src", "'none'"),
    ("base-uri", "'none'"),
    ("frame-ancestors", "'none'"),
    ("form-action", "'self'"),
)
REFERRER_POLICY = "same-origin"
_STYLE = re.compile(rb"<style[^>]*>(.*?)</style>", re.S | re.I)


def content_security_policy(style_hashes: Iterable[str] = ()) -> str:
    extra = " ".join(f"'{h}'" for h in style_hashes)
    return "; ".join(
        f"{name} {value} {extra}" if name == "style-src" and extra else f"{name} {value}"
        for name, value in POLICY
    )


def style_hashes(html: bytes) -> list[str]:
    """CSP hashes (``sha256-...``) of the inline ``<style>`` elements of a page we serve."""
    return [
        "sha256-" + base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode("ascii")
        for m in _STYLE.finditer(html)
    ]


def allow_styles(response: Response, html: bytes) -> Response:
    """Let ``response`` (``html``) keep its own inline styles, by hash; scripts stay refused."""
    response.headers["Content-Security-Policy"] = content_security_policy(style_hashes(html))
    return response


def allow_inline_styles(response: Response) -> Response:
    """For the vendored query editor only: YASGUI inserts ``<style>`` elements at run time
    (no fixed hash to name). Styles cannot run script; script-src stays ``'self'``."""
    response.headers["Content-Security-Policy"] = content_security_policy(["unsafe-inline"])
    return response


def add_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", content_security_policy())
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
