"""The load pipeline: all-or-nothing, provenance, errors that say what to fix."""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from fixtures.stores import BASE

from unpacs.loader import formats
from unpacs.loader.errors import (
    InputError,
    InputTooLargeError,
    RdfSyntaxError,
    ValidationFailedError,
)
from unpacs.loader.ingest.pipeline import (
    graph_for_path,
    load_sources,
    read_source,
    validate_sources,
)
from unpacs.loader.settings import Settings
from unpacs.loader.store.oxigraph import OxigraphStore

DATA = Path(__file__).parent / "data" / "pipeline"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        store=str(tmp_path / "store"),
        shapes_dir=DATA / "shapes",
        data_dir=DATA,
        base_iri=BASE,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[OxigraphStore]:
    opened = OxigraphStore(settings.store)
    yield opened
    opened.close()


def dump(store: OxigraphStore) -> bytes:
    out = io.BytesIO()
    store.dump(formats.by_name("nquads"), out)
    return out.getvalue()


def load(store: OxigraphStore, settings: Settings, *names: str, validate: bool = True) -> None:
    sources = [read_source(DATA / n, settings) for n in names]
    load_sources(store, sources, settings, validate=validate)


def ask(store: OxigraphStore, query: str) -> bool:
    result = store.query(query)
    return bool(getattr(result, "value", False))


def test_valid_file_lands_in_its_own_graph_with_provenance(
    store: OxigraphStore, settings: Settings
) -> None:
    load(store, settings, "valid.ttl")
    graph = BASE + "graph/valid"
    assert store.graph_names() == [graph]
    assert ask(
        store,
        f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX unpacs: <{BASE}def/unpacs#>
        ASK {{ GRAPH <{graph}> {{
            <{graph}> a prov:Entity ; prov:generatedAtTime ?t ;
                dcterms:source <http://example.org/source/1> ;
                unpacs:sourceFile "valid.ttl" ; unpacs:contentHash ?h ; unpacs:validated true .
            FILTER(STRSTARTS(?h, "sha256:"))
        }} }}""",
    )


def test_reloading_a_source_replaces_its_graph(store: OxigraphStore, settings: Settings) -> None:
    load(store, settings, "valid.ttl")
    first = store.stats().triples_per_graph
    load(store, settings, "valid.ttl")
    assert store.stats().triples_per_graph == first


def test_syntax_error_names_file_line_column_and_changes_nothing(
    store: OxigraphStore, settings: Settings
) -> None:
    load(store, settings, "valid.ttl")
    before = dump(store)
    with pytest.raises(RdfSyntaxError) as caught:
        load(store, settings, "syntax-error.ttl")
    error = caught.value
    assert error.file == str(DATA / "syntax-error.ttl")
    assert error.line == 6
    assert error.column is not None
    assert error.format().startswith(f"{DATA / 'syntax-error.ttl'}:6:")
    assert dump(store) == before


def test_shape_violation_reports_focus_path_message_and_changes_nothing(
    store: OxigraphStore, settings: Settings
) -> None:
    load(store, settings, "valid.ttl")
    before = dump(store)
    with pytest.raises(ValidationFailedError) as caught:
        load(store, settings, "violation.ttl")
    [issue] = [i for i in caught.value.issues if i.severity == "Violation"]
    assert issue.focus_node == BASE + "id/organization/nameless"
    assert issue.path == "http://www.w3.org/2000/01/rdf-schema#label"
    assert issue.message == "Thing needs a label (rdfs:label)"
    assert issue.file == str(DATA / "violation.ttl")
    assert dump(store) == before


def test_a_graph_without_any_source_is_refused(store: OxigraphStore, settings: Settings) -> None:
    with pytest.raises(ValidationFailedError) as caught:
        load(store, settings, "no-source.ttl")
    assert any("needs a source" in i.message for i in caught.value.issues)
    assert dump(store) == b""


def test_loads_are_all_or_nothing_across_files(store: OxigraphStore, settings: Settings) -> None:
    with pytest.raises(ValidationFailedError):
        load(store, settings, "valid.ttl", "violation.ttl")
    assert dump(store) == b""


def test_warnings_are_reported_but_do_not_block(store: OxigraphStore, settings: Settings) -> None:
    # refers-to-stored.ttl has no homepage (a warning) and links to a record already stored.
    load(store, settings, "valid.ttl")
    sources = [read_source(DATA / "refers-to-stored.ttl", settings)]
    report = load_sources(store, sources, settings)
    assert report.committed
    assert [i.message for i in report.warnings] == ["Thing should have a homepage"]


def test_links_are_checked_against_stored_records(store: OxigraphStore, settings: Settings) -> None:
    # Alone, the grandchild's parent is unknown: sh:class fails. After valid.ttl it passes.
    issues = validate_sources(
        store, [read_source(DATA / "refers-to-stored.ttl", settings)], settings
    )
    assert "ex:partOf must point at a Thing" in [i.message for i in issues]
    load(store, settings, "valid.ttl")
    issues = validate_sources(
        store, [read_source(DATA / "refers-to-stored.ttl", settings)], settings
    )
    assert [i.severity for i in issues] == ["Warning"]


def test_a_replaced_graph_does_not_vouch_for_itself(
    store: OxigraphStore, settings: Settings, tmp_path: Path
) -> None:
    # The stored copy of a graph being replaced must not satisfy checks on its new content.
    load(store, settings, "valid.ttl")
    orphan = tmp_path / "valid.ttl"
    orphan.write_text(
        (DATA / "refers-to-stored.ttl")
        .read_text()
        .replace("grandchild", "orphan")
        .replace("<id/organization/child>", "<id/organization/parent>")
    )
    source = read_source(orphan, settings, graph=BASE + "graph/valid")
    with pytest.raises(ValidationFailedError):
        load_sources(store, [source], settings)


def test_oversized_input_is_refused(store: OxigraphStore, settings: Settings) -> None:
    small = Settings(**{**settings.__dict__, "max_input_bytes": 10})
    with pytest.raises(InputTooLargeError) as caught:
        read_source(DATA / "valid.ttl", small)
    assert "UNPACS_MAX_INPUT_BYTES" in (caught.value.hint or "")


def test_unknown_suffix_is_refused_with_a_hint(tmp_path: Path, settings: Settings) -> None:
    odd = tmp_path / "records.txt"
    odd.write_text("x")
    with pytest.raises(InputError) as caught:
        read_source(odd, settings)
    assert ".ttl" in (caught.value.hint or "")


def test_no_validate_is_recorded_in_provenance(store: OxigraphStore, settings: Settings) -> None:
    load(store, settings, "violation.ttl", validate=False)
    graph = BASE + "graph/violation"
    assert ask(store, f"ASK {{ <{graph}> <{BASE}def/unpacs#validated> false }}")


def test_graph_names_follow_the_data_folder(settings: Settings, tmp_path: Path) -> None:
    assert graph_for_path(DATA / "valid.ttl", settings) == BASE + "graph/valid"
    outside = tmp_path / "Steward Files" / "My Records.ttl"
    assert graph_for_path(outside, settings) == BASE + "graph/file/steward-files/my-records"


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared on purpose: the test reads it

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.end_headers()
        self.wfile.write(b'{"@context": {}}')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}/context.jsonld"
    server.shutdown()
    server.server_close()


def test_jsonld_with_inline_context_loads(store: OxigraphStore, settings: Settings) -> None:
    load(store, settings, "valid.jsonld")
    assert ask(store, f"ASK {{ <{BASE}id/organization/jsonld> ?p ?o }}")


def test_jsonld_remote_context_is_never_fetched(
    store: OxigraphStore, settings: Settings, tmp_path: Path, listener: str
) -> None:
    doc = tmp_path / "remote.jsonld"
    doc.write_text('{"@context": "%s", "@id": "http://x/a", "name": "x"}' % listener)  # noqa: UP031
    with pytest.raises(InputError) as caught:
        load_sources(store, [read_source(doc, settings)], settings)
    assert "not fetched" in caught.value.message
    assert _Recorder.hits == []
    assert dump(store) == b""


def test_parsed_blank_nodes_do_not_collide_across_files(
    store: OxigraphStore, settings: Settings, tmp_path: Path
) -> None:
    for name in ("a", "b"):
        (tmp_path / f"{name}.nt").write_text(
            f'_:x <http://example.org/p> "{name}" .\n'
            f"_:x <http://purl.org/dc/terms/source> <http://example.org/s> .\n"
        )
    sources = [read_source(tmp_path / f"{n}.nt", settings) for n in ("a", "b")]
    load_sources(store, sources, settings, validate=False)
    result = store.query("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s <http://example.org/p> ?o }")
    rows = result.rows()  # type: ignore[union-attr]
    assert rows[0]["n"] == pyoxigraph.Literal(
        "2", datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )


def test_jsonld_naming_our_context_uses_the_bundled_copy(
    store: OxigraphStore, settings: Settings, tmp_path: Path, listener: str
) -> None:
    doc = tmp_path / "ours.jsonld"
    doc.write_text(
        '{"@context": "http://127.0.0.1:8000/def/context.jsonld",'
        ' "@id": "id:organization/jsonld-ctx", "@type": "http://example.org/test#Thing",'
        ' "http://www.w3.org/2000/01/rdf-schema#label": "Via context",'
        ' "homepage": "http://example.org/ctx", "source": "http://example.org/source/5"}'
    )
    load_sources(store, [read_source(doc, settings)], settings)
    assert ask(
        store,
        f"ASK {{ <{BASE}id/organization/jsonld-ctx> <http://xmlns.com/foaf/0.1/homepage> "
        "<http://example.org/ctx> }",
    )
    assert _Recorder.hits == []
