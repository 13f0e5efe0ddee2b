"""Who is asking: a steward token from ``Authorization: Bearer …`` or the login cookie.

Tokens are read from ``UNPACS_TOKENS_FILE`` on each request (so ``unpacs token add`` takes effect
without a restart), hashed and compared in constant time (``loader.stewards.tokens``); a token
is never logged or echoed. Browsers log in once on ``/steward/login``: the token then travels in an
HttpOnly, SameSite=Strict cookie, which a cross-site form cannot send.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import Unauthorized

from unpacs.endpoint import problems
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


def presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    cookie = request.cookies.get(COOKIE)
    return cookie or None


def current_token() -> Token | None:
    presented = presented_token()
    if presented is None:
        return None
    return authenticate(presented, load_tokens(state_of().settings.tokens_file))


def require(action: str | None = None) -> Token:
    """The request's token, which must exist (401) and may do ``action`` (403)."""
    token = current_token()
    if token is None:
        raise AuthRequired(
            "the token is not known" if presented_token() else AuthRequired.description
        )
    if action is not None:
        require_action(token, action)
    return token


def wants_html() -> bool:
    best = request.accept_mimetypes.best_match(
        ["application/json", "application/problem+json", "text/html"]
    )
    return best == "text/html"


def render_out_of_scope(error: OutOfScopeError) -> ResponseReturnValue:
    if wants_html():
        return render_template("steward/error.html", status=403, error=error), 403
    return problems.problem(403, error.title, error.message, hint=error.hint, may=error.may)


def render_auth_required(error: AuthRequired) -> ResponseReturnValue:
    if wants_html():
        page = render_template("steward/error.html", status=401, error=error)
        return Response(page, 401, headers={"WWW-Authenticate": REALM})
    response = problems.problem(401, "authentication required", error.description)
    response.headers["WWW-Authenticate"] = REALM
    return response


STEWARD_BLUEPRINTS = {"auth", "graphs", "validate"}


def render_refusal(error: UnpacsError) -> ResponseReturnValue:
    """People submitting a steward form get a page; programs get the problem document."""
    if request.blueprint in STEWARD_BLUEPRINTS and wants_html():
        status = problems.status_for(error)
        return render_template("steward/error.html", status=status, error=error), status
    return problems.render_unpacs_error(error)


@bp.record_once
def _handlers(setup: object) -> None:
    app = getattr(setup, "app")  # noqa: B009 - BlueprintSetupState, typed loosely by Flask
    app.register_error_handler(OutOfScopeError, render_out_of_scope)
    app.register_error_handler(AuthRequired, render_auth_required)
    app.register_error_handler(ValidationFailedError, render_refusal)
    app.register_error_handler(InputError, render_refusal)


@bp.route("/steward/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("steward/login.html", token=current_token(), failed=False)
    presented = request.form.get("token", "").strip()
    token = authenticate(presented, load_tokens(state_of().settings.tokens_file))
    if token is None:
        return render_template("steward/login.html", token=None, failed=True), 401
    target = request.form.get("next") or url_for("graphs.graph_store")
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        target = url_for("graphs.graph_store")
    response = redirect(target, 303)
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
