"""Steward sessions against a real served app: a login cookie writes only from this server's own
pages, ``next=`` never leaves the server, and expired or revoked tokens stop working at once.

Every refused write leaves the store's dump byte for byte as it was; each refusal is paired with
the same write accepted (own Origin, or a Bearer token) so that the refusal is the origin check's.
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures.apps import AppFactory
from fixtures.browser import LiveApp, LiveAppFactory
from fixtures.stewards import ICTO, NEW_PHONE, OLD_PHONE, PHL_GRAPH, Site, bearer, dump, make_site

from unpacs.endpoint.cli import cli
from unpacs.endpoint.state import state_of
from unpacs.loader.stewards.tokens import add_token, load_tokens, revoke_token, write_tokens
from unpacs.loader.store.oxigraph import OxigraphStore

TURTLE = "text/turtle"
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> dict[str, object]:
        found = json.loads(self.body)
        assert isinstance(found, dict)
        return found


@dataclass
class Served:
    site: Site
    live: LiveApp
    host: str
    port: int

    @property
    def store(self) -> OxigraphStore:
        store = state_of(self.live.app).store
        assert isinstance(store, OxigraphStore)
        return store

    def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        """One request, redirects not followed, headers sent exactly as given."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def login(self, token: str, next_path: str | None = None) -> Reply:
        form = {"token": token} if next_path is None else {"token": token, "next": next_path}
        return self.call(
            "POST",
            "/steward/login",
            {"Content-Type": "application/x-www-form-urlencoded"},
            urllib.parse.urlencode(form).encode(),
        )


@pytest.fixture
def served(
    tmp_path: Path, bundled_store_dir: Path, live_app: LiveAppFactory, app_factory: AppFactory
) -> Served:
    site = make_site(tmp_path, bundled_store_dir)
    live = live_app(lambda _base: app_factory(site.settings))
    parts = urllib.parse.urlsplit(live.url)
    assert parts.hostname is not None and parts.port is not None
    return Served(site, live, parts.hostname, parts.port)


def phl_turtle(served: Served) -> bytes:
    reply = served.call(
        "GET", "/graphs?" + urllib.parse.urlencode({"graph": PHL_GRAPH}), {"Accept": TURTLE}
    )
    assert reply.status == 200
    return reply.body


def changed_phl(served: Served) -> bytes:
    changed = phl_turtle(served).replace(OLD_PHONE.encode(), NEW_PHONE.encode())
    assert OLD_PHONE.encode() not in changed
    return changed


def multipart(fields: dict[str, str], file_name: str, data: bytes) -> tuple[str, bytes]:
    boundary = "unpacs-test-boundary-7d1c"
    chunks = []
    for name, value in fields.items():
        chunks.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    chunks.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        f"Content-Type: {TURTLE}\r\n\r\n"
    )
    body = "".join(chunks).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


@dataclass
class Write:
    name: str
    method: str
    path: str
    content_type: str
    body: bytes


@dataclass
class Writes:
    """Every kind of steward write, and the draft and commit that some of them need."""

    writes: list[Write]
    draft: int


def steward_writes(served: Served) -> Writes:
    site = served.site
    changed = changed_phl(served)
    graph = urllib.parse.urlencode({"graph": PHL_GRAPH})
    # A commit to revert and a draft to publish or return, made with Bearer tokens.
    made = served.call(
        "PUT",
        "/graphs?" + graph,
        {**bearer(site.publisher), "Content-Type": TURTLE},
        changed,
    )
    assert made.status == 200, made.body
    commits = made.json()["commits"]
    assert isinstance(commits, list) and commits
    back = phl_turtle(served).replace(NEW_PHONE.encode(), OLD_PHONE.encode())
    drafted = served.call(
        "POST", "/graphs/drafts?" + graph, {**bearer(site.steward), "Content-Type": TURTLE}, back
    )
    assert drafted.status == 201, drafted.body
    draft = drafted.json()["draft"]
    assert isinstance(draft, int)
    form_type, form_body = multipart({"graph": PHL_GRAPH, "mode": "replace"}, "phl.ttl", back)
    update = f'INSERT DATA {{ GRAPH <{PHL_GRAPH}> {{ <{ICTO}> <{COMMENT}> "planted by a form" }} }}'
    form = "application/x-www-form-urlencoded"
    revert = urllib.parse.urlencode({"graph": PHL_GRAPH, "commit": commits[0]})
    return Writes(
        [
            Write("multipart POST /graphs", "POST", "/graphs", form_type, form_body),
            Write("PUT /graphs", "PUT", "/graphs?" + graph, TURTLE, back),
            Write("DELETE /graphs", "DELETE", "/graphs?" + graph, TURTLE, b""),
            Write(
                "SPARQL update form",
                "POST",
                "/sparql",
                form,
                urllib.parse.urlencode({"update": update}).encode(),
            ),
            Write("draft submission", "POST", "/graphs/drafts?" + graph, TURTLE, back),
            Write("draft publish", "POST", f"/graphs/drafts/{draft}/publish", form, b""),
            Write("draft return", "POST", f"/graphs/drafts/{draft}/return", form, b""),
            Write("revert", "POST", "/graphs/revert?" + revert, form, b""),
            Write("validate", "POST", "/validate", TURTLE, back),
        ],
        draft,
    )


def cookie_of(served: Served, token: str) -> str:
    reply = served.login(token)
    assert reply.status == 303, reply.body
    cookie = reply.headers["Set-Cookie"].split(";", 1)[0]
    assert cookie.startswith("unpacs_token=")
    return cookie


def draft_status(served: Served, draft: int) -> object:
    reply = served.call("GET", f"/graphs/drafts/{draft}", bearer(served.site.publisher))
    assert reply.status == 200, reply.body
    summary = reply.json()["draft"]
    assert isinstance(summary, dict)
    return summary["status"]


CROSS_ORIGIN = {
    "Origin from another port": lambda port: {"Origin": f"http://127.0.0.1:{port + 1}"},
    "Origin from another port, same-site fetch": lambda port: {
        "Origin": f"http://127.0.0.1:{port + 1}",
        "Sec-Fetch-Site": "same-site",
    },
    "Sec-Fetch-Site same-site, no Origin": lambda _port: {"Sec-Fetch-Site": "same-site"},
    "neither Origin nor Sec-Fetch-Site": lambda _port: {},
    "Origin null": lambda _port: {"Origin": "null"},
    "Origin of this host over https": lambda port: {"Origin": f"https://127.0.0.1:{port}"},
}


def test_cookie_writes_from_another_origin_are_refused_and_change_nothing(served: Served) -> None:
    # One server for every variant: each refusal leaves it as it was, which is the point.
    writes = steward_writes(served)
    cookie = cookie_of(served, served.site.publisher)
    before = dump(served.store)
    for variant in sorted(CROSS_ORIGIN):
        origin = CROSS_ORIGIN[variant](served.port)
        for write in writes.writes:
            headers = {
                "Cookie": cookie,
                "Content-Type": write.content_type,
                "Accept": "application/json",
                **origin,
            }
            reply = served.call(write.method, write.path, headers, write.body)
            assert reply.status == 403, (variant, write.name, reply.status, reply.body)
            problem = reply.json()
            assert problem["title"] == "cross-origin write refused", (variant, write.name)
            assert reply.headers["Content-Type"].startswith("application/problem+json")
        assert dump(served.store) == before, variant
        assert draft_status(served, writes.draft) == "open"
        # The steward's page gets a page, not a problem document.
        page = served.call(
            "PUT",
            writes.writes[1].path,
            {"Cookie": cookie, "Content-Type": TURTLE, "Accept": "text/html", **origin},
            writes.writes[1].body,
        )
        assert page.status == 403 and b"cross-origin write refused" in page.body, variant
        # A Bearer header exempts a write from the origin check only because the cookie is then
        # ignored: a bogus one beside the cookie is refused, and another scheme does not exempt.
        put = writes.writes[1]
        for authorization, status in (("Bearer not-a-token", 401), ("Basic eDp5", 403)):
            reply = served.call(
                "PUT",
                put.path,
                {
                    "Cookie": cookie,
                    "Authorization": authorization,
                    "Content-Type": TURTLE,
                    **origin,
                },
                put.body,
            )
            assert reply.status == status, (variant, authorization, reply.status, reply.body)
        assert dump(served.store) == before, variant


def test_a_cookie_update_sent_by_get_is_refused_and_changes_nothing(served: Served) -> None:
    """``<img src=/sparql?update=…>`` on a same-site page on another port sends the cookie with a
    GET and no Origin: an update is never taken from a GET, whoever sends it."""
    cookie = cookie_of(served, served.site.publisher)
    update = f'INSERT DATA {{ GRAPH <{PHL_GRAPH}> {{ <{ICTO}> <{COMMENT}> "planted by an img" }} }}'
    path = "/sparql?" + urllib.parse.urlencode({"update": update})
    before = dump(served.store)
    for headers in (
        {"Cookie": cookie, "Sec-Fetch-Site": "same-site", "Sec-Fetch-Dest": "image"},
        {"Cookie": cookie, "Sec-Fetch-Site": "same-origin"},
        bearer(served.site.publisher),
    ):
        for method in ("GET", "HEAD"):
            reply = served.call(method, path, {**headers, "Accept": "application/json"})
            assert reply.status == 405, (method, headers, reply.status, reply.body)
            assert reply.headers["Allow"] == "POST"
            assert dump(served.store) == before
    # The same update by POST from the site's own page is taken: the 405 is the method's.
    reply = served.call(
        "POST",
        "/sparql",
        {
            "Cookie": cookie,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Sec-Fetch-Site": "same-origin",
        },
        urllib.parse.urlencode({"update": update}).encode(),
    )
    assert reply.status == 200, reply.body
    assert dump(served.store) != before


def test_an_empty_update_is_a_400_not_a_500(served: Served) -> None:
    before = dump(served.store)
    for text in ("", "  ", "PREFIX a: <http://example.org/>", "# nothing"):
        reply = served.call(
            "POST",
            "/sparql",
            {**bearer(served.site.publisher), "Content-Type": "application/sparql-update"},
            text.encode(),
        )
        assert reply.status == 400, (text, reply.status, reply.body)
        assert "no operation" in str(reply.json()["detail"]), reply.body
    assert dump(served.store) == before


def test_cookie_writes_from_this_origin_and_bearer_writes_are_accepted(served: Served) -> None:
    writes = {w.name: w for w in steward_writes(served).writes}
    cookie = cookie_of(served, served.site.publisher)
    own = {"Origin": f"http://{served.host}:{served.port}"}
    before = dump(served.store)

    put = writes["PUT /graphs"]
    reply = served.call(
        "PUT",
        put.path,
        {"Cookie": cookie, "Content-Type": TURTLE, "Accept": "application/json", **own},
        put.body,
    )
    assert reply.status == 200, reply.body
    assert dump(served.store) != before

    # A browser that sends no Origin on a same-origin request still says where it came from.
    update = writes["SPARQL update form"]
    after_put = dump(served.store)
    reply = served.call(
        "POST",
        update.path,
        {
            "Cookie": cookie,
            "Content-Type": update.content_type,
            "Accept": "application/json",
            "Sec-Fetch-Site": "same-origin",
        },
        update.body,
    )
    assert reply.status == 200, reply.body
    assert dump(served.store) != after_put

    checked = writes["validate"]
    reply = served.call(
        "POST",
        checked.path,
        {"Cookie": cookie, "Content-Type": TURTLE, "Accept": "application/json", **own},
        checked.body,
    )
    assert reply.status == 200 and reply.json()["conforms"] is True, reply.body

    # Bearer, no Origin at all (a script or the CLI): accepted; a page cannot add this header.
    after_update = dump(served.store)
    reply = served.call(
        "PUT",
        put.path,
        {**bearer(served.site.publisher), "Content-Type": TURTLE},
        changed_phl(served),
    )
    assert reply.status == 200, reply.body
    assert dump(served.store) != after_update


NEXT_TARGETS = [
    "/\t/evil.example/",
    "/\n/evil",
    "/\r/evil",
    "\r\n//evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "HTTPS://evil.example/graphs",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "javascript:alert(1)",
    "/graphs?x=\u202e",
    "",
]


def test_login_and_logout_forms_from_another_site_are_refused(served: Served) -> None:
    """Login CSRF: another site's page must not plant its token in a steward's browser."""
    form = urllib.parse.urlencode({"token": served.site.steward}).encode()
    plain = {"Content-Type": "application/x-www-form-urlencoded"}
    for variant in (
        "Origin from another port",
        "Sec-Fetch-Site same-site, no Origin",
        "Origin null",
    ):
        headers = {**plain, **CROSS_ORIGIN[variant](served.port), "Accept": "application/json"}
        login = served.call("POST", "/steward/login", headers, form)
        assert login.status == 403, (variant, login.status, login.body)
        assert "Set-Cookie" not in login.headers, variant
        logout = served.call("POST", "/steward/logout", headers, b"")
        assert logout.status == 403, (variant, logout.status)
        assert "Set-Cookie" not in logout.headers, variant
    # The site's own login form (and a program that sends neither header) still logs in.
    own = {**plain, "Origin": f"http://{served.host}:{served.port}"}
    for headers in (own, {**plain, "Sec-Fetch-Site": "same-origin"}, plain):
        login = served.call("POST", "/steward/login", headers, form)
        assert login.status == 303 and "Set-Cookie" in login.headers, headers
    assert served.call("POST", "/steward/logout", own, b"").status == 303
    # Behind a TLS proxy the browser's Origin is the public address the base IRI names.
    public = state_of(served.live.app).settings.base_iri.rstrip("/")
    login = served.call("POST", "/steward/login", {**plain, "Origin": public}, form)
    assert login.status == 303 and "Set-Cookie" in login.headers, public


def test_login_next_never_leaves_the_server(served: Served) -> None:
    for target in NEXT_TARGETS:
        reply = served.login(served.site.steward, target)
        assert reply.status == 303, (target, reply.status, reply.body)
        location = reply.headers["Location"]
        parts = urllib.parse.urlsplit(location)
        assert not parts.scheme and not parts.netloc, (target, location)
        assert location.startswith("/"), (target, location)
        assert not location.startswith(("//", "/\\")), (target, location)
        assert not any(c in location for c in "\t\r\n\\"), (target, location)
        assert location == "/graphs", (target, location)


def test_login_page_carries_next_as_inert_text(served: Served) -> None:
    hostile = '/graphs"><script>alert(1)</script>'
    reply = served.call(
        "GET",
        "/steward/login?" + urllib.parse.urlencode({"next": hostile}),
        {"Accept": "text/html"},
    )
    assert reply.status == 200
    assert b"<script>alert(1)" not in reply.body
    assert b'value="/graphs&#34;&gt;&lt;script&gt;' in reply.body, reply.body


def test_login_next_keeps_a_path_with_its_query(served: Served) -> None:
    reply = served.login(served.site.steward, "/graphs?graph=x")
    assert reply.status == 303
    assert reply.headers["Location"] == "/graphs?graph=x"
    reply = served.login(served.site.steward, "/graphs/drafts?status=open")
    assert reply.headers["Location"] == "/graphs/drafts?status=open"


def test_expired_token_is_refused_with_401_saying_expired(served: Served) -> None:
    tokens = served.site.settings.tokens_file
    assert tokens is not None
    secret = add_token(
        tokens, "old-steward", ["PHL"], ["validate"], datetime.now(UTC) + timedelta(days=1)
    )
    # Expiry in the past cannot be set through add_token (it refuses); the file can hold one.
    listed = load_tokens(tokens)
    past = datetime.now(UTC) - timedelta(minutes=1)
    write_tokens(
        tokens, [replace(t, expires=past) if t.label == "old-steward" else t for t in listed]
    )
    before = dump(served.store)
    reply = served.call(
        "POST",
        "/validate",
        {**bearer(secret), "Content-Type": TURTLE},
        phl_turtle(served),
    )
    assert reply.status == 401, reply.body
    assert "expired" in str(reply.json()["detail"])
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    login = served.login(secret)
    assert login.status == 401 and b"expired" in login.body
    assert dump(served.store) == before


def test_revoked_token_is_refused_at_the_next_request_without_restart(served: Served) -> None:
    tokens = served.site.settings.tokens_file
    assert tokens is not None
    changed = changed_phl(served)
    graph = urllib.parse.urlencode({"graph": PHL_GRAPH})
    cookie = cookie_of(served, served.site.steward)
    own = {"Origin": f"http://{served.host}:{served.port}"}
    reply = served.call(
        "POST", "/validate", {**bearer(served.site.steward), "Content-Type": TURTLE}, changed
    )
    assert reply.status == 200, reply.body

    revoke_token(tokens, "phl-steward")
    before = dump(served.store)
    for headers in (
        bearer(served.site.steward),
        {"Cookie": cookie, "Accept": "application/json", **own},
    ):
        reply = served.call(
            "POST", "/graphs/drafts?" + graph, {**headers, "Content-Type": TURTLE}, changed
        )
        assert reply.status == 401, reply.body
        assert "revoked" in str(reply.json()["detail"])
    assert dump(served.store) == before
    # Another token in the same file keeps working.
    reply = served.call(
        "POST", "/validate", {**bearer(served.site.publisher), "Content-Type": TURTLE}, changed
    )
    assert reply.status == 200, reply.body

    # Revoked through the CLI while the server runs: the same.
    result = CliRunner().invoke(cli, ["token", "revoke", "phl-publisher", "--file", str(tokens)])
    assert result.exit_code == 0, result.output
    reply = served.call(
        "POST", "/validate", {**bearer(served.site.publisher), "Content-Type": TURTLE}, changed
    )
    assert reply.status == 401 and "revoked" in str(reply.json()["detail"])


def test_token_cli_adds_lists_and_revokes(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.json"
    runner = CliRunner()
    added = runner.invoke(
        cli,
        ["token", "add", "X", "--country", "KEN", "--actions", "validate", "--days", "1"],
        env={"UNPACS_TOKENS_FILE": str(tokens)},
    )
    assert added.exit_code == 0, added.output
    secret = added.stdout.strip()
    assert len(secret) >= 40 and secret not in tokens.read_text()
    entry = json.loads(tokens.read_text())["tokens"][0]
    assert entry["label"] == "X" and entry["countries"] == ["KEN"]
    assert entry["actions"] == ["validate"] and "revoked" not in entry
    expires = datetime.fromisoformat(entry["expires"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(days=1)
    assert tokens.stat().st_mode & 0o077 == 0

    listed = runner.invoke(cli, ["token", "list", "--file", str(tokens)])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [
        f"X\tcountries=KEN\tactions=validate\texpires={entry['expires']}\tactive"
    ]
    assert secret not in listed.output

    revoked = runner.invoke(cli, ["token", "revoke", "X", "--file", str(tokens)])
    assert revoked.exit_code == 0, revoked.output
    entry = json.loads(tokens.read_text())["tokens"][0]
    assert datetime.fromisoformat(entry["revoked"]) <= datetime.now(UTC)
    listed = runner.invoke(cli, ["token", "list", "--file", str(tokens)])
    assert listed.stdout.splitlines()[0].endswith("\trevoked")

    for args, says in (
        (["token", "revoke", "Y"], "no token labelled 'Y'"),
        (
            ["token", "add", "Z", "--country", "KEN", "--actions", "validate", "--days", "0"],
            "at least one day",
        ),
        (
            [
                "token",
                "add",
                "Z",
                "--country",
                "KEN",
                "--actions",
                "validate",
                "--expires",
                "2001-01-01",
            ],
            "in the past",
        ),
        (["token", "add", "X", "--country", "KEN", "--actions", "validate"], "exists already"),
    ):
        before = tokens.read_bytes()
        result = runner.invoke(cli, [*args, "--file", str(tokens)])
        # In-process the refusal arrives as the exception ``unpacs`` prints as one line.
        refusal = result.output + str(getattr(result.exception, "message", ""))
        assert result.exit_code != 0 and says in refusal, (args, refusal)
        assert tokens.read_bytes() == before
