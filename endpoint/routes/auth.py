"""Who is asking: a steward token from ``Authorization: Bearer …`` or the login cookie.

Tokens are read from ``UNPACS_TOKENS_FILE`` on each request (so ``unpacs token add`` takes effect
without a restart), hashed and compared in constant time (``loader.stewards.tokens``); a token
is never logged or echoed. An expired or revoked token is refused with 401 and says which.

Browsers log in once on ``/steward/login``: the token then travels in an HttpOnly,
SameSite=Strict cookie. SameSite does not stop a *same-site* page on another port
(``http://127.0.0.1:8001`` is same-site with ``:8000``), so every write authenticated by the
cookie must also come from this server's own origin: ``Origin`` equal to it (scheme, host and
port), or else ``Sec-Fetch-Site: same-origin``; with neither header the write is refused. A
request carrying ``Authorization: Bearer`` is exempt (a page cannot make a browser add it).
``?next=`` after login is only ever a path on this server.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import Forbidden, Unauthorized

from unpacs.endpoint import problems
from unpacs.endpoint.conneg import prefers_html
from unpacs.endpoint.state import state_of
from unpacs.loader.errors import InputError, OutOfScopeError, UnpacsError, ValidationFailedError
from unpacs.loader.stewards.tokens import Token, authenticate, load_tokens
from unpacs.loader.stewards.writer import require_action

COOKIE = "unpacs_token"
REALM = 'Bearer realm="unpacs"'

bp = Blueprint("auth", __name__)


class AuthRequired(Unauthorized):
    description = "this needs a steward token: send Authorization: Bearer <token>"

    def get_headers(self, *args: object, **kwargs: object) -> list[tuple[str, str]]:
        return [("WWW-Authenticate", REALM)]


class CrossOriginRefused(Forbidden):
    description = "a steward write from another origin"
    title = "cross-origin write refused"
    hint = "log in on this site and send the form from its own pages"
    issues = None

    @property
    def message(self) -> str:
        return str(self.description)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def presented_token() -> str | None:
    return bearer_token() or request.cookies.get(COOKIE) or None


def current_token() -> Token | None:
    """The request's known, usable token (expired and revoked ones count as none)."""
    presented = presented_token()
    if presented is None:
        return None
    token = authenticate(presented, load_tokens(state_of().settings.tokens_file))
    return token if token is not None and token.unusable() is None else None


def own_origin() -> str:
    return f"{request.scheme}://{request.host}".lower()


def _origin_of(iri: str) -> str:
    parts = urlsplit(iri)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_own_origin(origin: str) -> bool:
    """The served origin, or the public one the base IRI names: behind a TLS proxy the request
    arrives as http:// while the steward's browser sends ``Origin: https://...``."""
    origin = origin.lower().rstrip("/")
    return origin in (own_origin(), _origin_of(state_of().settings.base_iri))


def check_same_origin(acting: bool = False) -> None:
    """Refuse a cookie-authenticated write that another origin's page may have sent.

    ``acting``: the request uses one of the token's actions, so it is checked whatever its
    method (a route that acted on a GET would otherwise be one ``<img>`` away from a write)."""
    if bearer_token() is not None:
        return
    if not acting and request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if origin is not None and origin != "null":
        if is_own_origin(origin):
            return
        raise CrossOriginRefused(
            f"this write came from a page on {origin}, not from {own_origin()}: a steward's "
            "login cookie is accepted only from this site's own pages (or send "
            "Authorization: Bearer <token>)"
        )
    if fetch_site == "same-origin":
        return
    raise CrossOriginRefused(
        "this write carries the login cookie but neither Origin nor Sec-Fetch-Site shows that "
        "it came from this site's own pages; send it from the site, or with "
        "Authorization: Bearer <token>"
    )


def check_login_origin() -> None:
    """Refuse a login or logout form that a browser says another site's page sent.

    A forged login would plant the attacker's token in a steward's browser (login CSRF), so that
    their uploads land under the attacker's name; a forged logout is a nuisance. Programs that
    send neither header are let through: they hold no cookie a forged form could ride on.
    """
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if origin is not None and not is_own_origin(origin):
        raise CrossOriginRefused(
            f"this login form came from a page on {origin}, not from {own_origin()}: "
            "log in on this site's own /steward/login page"
        )
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise CrossOriginRefused(
            f"this login form came from another site (Sec-Fetch-Site: {fetch_site}): "
            "log in on this site's own /steward/login page"
        )


def require(action: str | None = None) -> Token:
    """The request's token, which must exist and be usable (401) and may do ``action`` (403)."""
    presented = presented_token()
    if presented is None:
        raise AuthRequired(AuthRequired.description)
    token = authenticate(presented, load_tokens(state_of().settings.tokens_file))
    if token is None:
        raise AuthRequired("the token is not known")
    unusable = token.unusable()
    if unusable is not None:
        raise AuthRequired(unusable + "; ask the operator for a new one")
    check_same_origin(acting=action is not None)
    if action is not None:
        require_action(token, action)
    return token


_SAFE_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]*")


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this server, else the upload page (never elsewhere)."""
    fallback = url_for("graphs.graph_store")
    if not target or not _SAFE_PATH.fullmatch(target):
        return fallback
    decoded = target
    for _round in range(3):  # %2F%2F, and %252F%252F decoded twice by some hop
        decoded = unquote(decoded)
    parts = urlsplit(decoded)
    if (
        not _SAFE_PATH.fullmatch(decoded.replace(" ", "%20"))
        or parts.scheme
        or parts.netloc
        or "\\" in decoded
    ):
        return fallback
    return target


def render_out_of_scope(error: OutOfScopeError) -> ResponseReturnValue:
    if prefers_html(request):
        return render_template("steward/error.html", status=403, error=error), 403
    return problems.problem(
        403, error.title, error.message, hint=error.hint, may=error.may, subject=error.subject
    )


def render_auth_required(error: AuthRequired) -> ResponseReturnValue:
    if prefers_html(request):
        page = render_template("steward/error.html", status=401, error=error)
        return Response(page, 401, headers={"WWW-Authenticate": REALM})
    response = problems.problem(401, "authentication required", error.description)
    response.headers["WWW-Authenticate"] = REALM
    return response


def render_cross_origin(error: CrossOriginRefused) -> ResponseReturnValue:
    if prefers_html(request):
        return render_template("steward/error.html", status=403, error=error), 403
    return problems.problem(403, error.title, error.message, hint=error.hint)


STEWARD_BLUEPRINTS = {"auth", "graphs", "validate"}


def render_refusal(error: UnpacsError) -> ResponseReturnValue:
    """People submitting a steward form get a page; programs get the problem document."""
    if request.blueprint in STEWARD_BLUEPRINTS and prefers_html(request):
        status = problems.status_for(error)
        return render_template("steward/error.html", status=status, error=error), status
    return problems.render_unpacs_error(error)


@bp.record_once
def _handlers(setup: object) -> None:
    app = getattr(setup, "app")  # noqa: B009 - BlueprintSetupState, typed loosely by Flask
    app.register_error_handler(OutOfScopeError, render_out_of_scope)
    app.register_error_handler(AuthRequired, render_auth_required)
    app.register_error_handler(CrossOriginRefused, render_cross_origin)
    app.register_error_handler(ValidationFailedError, render_refusal)
    app.register_error_handler(InputError, render_refusal)


@bp.route("/steward/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("steward/login.html", token=current_token(), failed=False)
    check_login_origin()
    presented = request.form.get("token", "").strip()
    token = authenticate(presented, load_tokens(state_of().settings.tokens_file))
    if token is None or token.unusable() is not None:
        reason = token.unusable() if token is not None else None
        page = render_template("steward/login.html", token=None, failed=True, reason=reason)
        return page, 401
    response = redirect(safe_next(request.form.get("next")), 303)
    response.set_cookie(
        COOKIE,
        presented,
        httponly=True,
        samesite="Strict",
        secure=request.scheme == "https",
        path="/",
    )
    return response


@bp.route("/steward/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    check_login_origin()
    response = redirect(url_for("auth.login"), 303)
    response.delete_cookie(COOKIE, path="/")
    current_app.logger.debug("steward logged out")
    return response


def client_key() -> str:
    """Who is asking, for the per-client share of the query workers: a known token's label,
    else the peer address (behind a proxy that is the proxy's, so the proxy must limit per
    client itself; README, "Deployment")."""
    if presented_token() is not None:
        token = current_token()
        if token is not None:
            return "token:" + token.label
    return "addr:" + (request.remote_addr or "")
