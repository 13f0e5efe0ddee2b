"""The base IRI is the served address unless set, and the store remembers the one it was built
with (issue 7, problem 4)."""

from __future__ import annotations

import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph
import pytest
from fixtures.cli_helpers import clean_env, free_port, serving, unpacs
from fixtures.stores import BASE

from unpacs.loader.settings import Settings, address_iri, from_env

UNPACS = str(Path(sys.executable).with_name("unpacs"))
PIPELINE = Path(__file__).parent / "data" / "pipeline"
BUILT_PORT = urllib.parse.urlsplit(BASE).port


def test_base_iri_follows_host_and_port_unless_set() -> None:
    assert from_env({}).base_iri == "http://127.0.0.1:8000/"
    assert from_env({"UNPACS_PORT": "9000"}).base_iri == "http://127.0.0.1:9000/"
    assert (
        from_env({"UNPACS_HOST": "localhost", "UNPACS_PORT": "9000"}).base_iri
        == "http://localhost:9000/"
    )
    explicit = {"UNPACS_PORT": "9000", "UNPACS_BASE_IRI": "https://data.example.org/unpacs/"}
    assert from_env(explicit).base_iri == "https://data.example.org/unpacs/"
    assert Settings(port=9001).base_iri == "http://127.0.0.1:9001/"
    assert address_iri("::1", 8000) == "http://[::1]:8000/"


def _document(url: str) -> tuple[str, list[str]]:
    """GET ``url`` as Turtle (urllib follows the 303); the final URL and every IRI in it."""
    request = urllib.request.Request(url, headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
        final = response.geturl()
    iris = set()
    for triple in pyoxigraph.parse(body, pyoxigraph.RdfFormat.TURTLE, base_iri=final):
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, pyoxigraph.NamedNode):
                iris.add(term.value)
    return final, sorted(iris)


@pytest.mark.slow
def test_issue_7_problem4_links_resolve_on_the_port_that_is_served(tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(UNPACS_STORE=str(tmp_path / "store"), UNPACS_PORT=str(port))
    built = unpacs(UNPACS, tmp_path, env, "build")
    assert built.returncode == 0, built.stderr
    with serving(UNPACS, tmp_path, env) as root:
        final, iris = _document(root + "id/country/PHL")
        assert final == root + "doc/country/PHL"
        assert not [i for i in iris if ":8000/" in i]
        ours = [i for i in iris if i.startswith(root + "id/")]
        assert root + "id/country/PHL" in ours
        assert len(ours) >= 2
        for iri in ours:
            _final, described = _document(iri)  # 303 to its document, which describes it
            assert iri in described
        asked = urllib.parse.quote(
            "SELECT ?base WHERE { GRAPH <urn:unpacs:meta> "
            "{ ?d <http://rdfs.org/ns/void#uriSpace> ?base } }"
        )
        record = urllib.request.urlopen(f"{root}sparql?query={asked}&format=json", timeout=30)
        assert b'"value":"' + root.encode() + b'"' in record.read().replace(b" ", b"")


@pytest.mark.slow
def test_issue_7_problem4_serving_under_another_base_is_refused_with_the_fix(
    tmp_path: Path, bundled_copy: Path
) -> None:
    # The session's store, built as `unpacs build` on port 8000 builds (never served here).
    store = str(bundled_copy)
    first, second = BUILT_PORT, free_port()
    moved = clean_env(UNPACS_STORE=store, UNPACS_PORT=str(second))
    refused = unpacs(UNPACS, tmp_path, moved, "serve")
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert f"was built for base IRI http://127.0.0.1:{first}/" in lines[0]
    assert "unpacs build" in lines[-1]
    assert f"UNPACS_BASE_IRI=http://127.0.0.1:{first}/" in lines[-1]
    assert "Traceback" not in refused.stderr
    # Loading records minted under the new base into the old store is refused the same way.
    mixed = unpacs(UNPACS, tmp_path, moved, "load", str(PIPELINE / "valid.ttl"))
    assert mixed.returncode == 1
    assert "was built for base IRI" in mixed.stderr
    # Rebuilding moves the bundled graphs to the new base in one transaction.
    rebuilt = unpacs(UNPACS, tmp_path, moved, "build")
    assert rebuilt.returncode == 0, rebuilt.stderr
    graphs = unpacs(UNPACS, tmp_path, moved, "stats", "--json")
    names = re.findall(r'"(http://[^"]+/graph/[^"]+)"', graphs.stdout)
    assert names
    assert all(n.startswith(f"http://127.0.0.1:{second}/") for n in names)
    with serving(UNPACS, tmp_path, moved) as root:
        _final, iris = _document(root + "id/country/PHL")
        assert root + "id/country/PHL" in iris


@pytest.mark.slow
def test_issue_7_problem4_rebuild_under_a_new_base_keeps_steward_graphs(
    tmp_path: Path, bundled_copy: Path
) -> None:
    store = str(bundled_copy)
    env = clean_env(UNPACS_STORE=store, UNPACS_PORT=str(BUILT_PORT))
    steward = tmp_path / "steward.ttl"
    steward.write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<id/concept/note/x> skos:prefLabel 'x'@en .\n"
    )
    loaded = unpacs(UNPACS, tmp_path, env, "load", "--no-validate", str(steward))
    assert loaded.returncode == 0, loaded.stderr
    before = unpacs(UNPACS, tmp_path, env, "dump").stdout
    moved = clean_env(UNPACS_STORE=store, UNPACS_PORT=str(free_port()))
    refused = unpacs(UNPACS, tmp_path, moved, "build")
    assert refused.returncode == 1
    assert "cannot move them" in refused.stderr
    assert unpacs(UNPACS, tmp_path, env, "dump").stdout == before
