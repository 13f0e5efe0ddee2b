"""Load one edition of the UN E-Government Survey from CSV into the store, all or nothing.

The CSV is checked cell by cell (``egov_survey.read_edition``), turned into the same Data Cube
Turtle the bundled editions use (``egov_survey_rdf``), and loaded through the ordinary pipeline
(staging, provenance, SHACL against the stored records, one transaction) into the edition's
graph ``graph/import/egov-survey-YYYY``: importing an edition again replaces it. Not under
``graph/reference/``: those graphs belong to ``unpacs build``, which would remove one whose file
is not bundled. An edition that is already in the store from another graph (the bundled
2010-2018) is refused: its records would be described twice.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph

from unpacs.loader import formats
from unpacs.loader.errors import InputError, UnpacsError
from unpacs.loader.ingest.pipeline import (
    LoadReport,
    Progress,
    Source,
    check_input_file,
    load_sources,
)
from unpacs.loader.ingest.provenance import content_hash
from unpacs.loader.ingest.scope import country_lookup
from unpacs.loader.settings import Settings
from unpacs.loader.store.protocol import BooleanResult, SolutionsResult, Store
from unpacs.loader.survey.rdf import (
    DATA_CENTER,
    STRUCTURE,
    FileProvenance,
    dataset_path,
    edition_turtle,
)
from unpacs.loader.survey.read import read_edition
from unpacs.loader.uris import graph_iri, thing_path, vocab

FIRST_EDITION, LAST_EDITION = 2001, 2100


def edition_graph(base_iri: str, year: int) -> str:
    """The graph an imported edition goes to (one per edition, replaced by a new import)."""
    return graph_iri(base_iri, f"import/egov-survey-{year}")


def _refuse_stored_edition(store: Store, settings: Settings, year: int) -> None:
    dataset = settings.base_iri + dataset_path(year)
    result = store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{dataset}> ?p ?o }} }}")
    assert isinstance(result, SolutionsResult)
    elsewhere = sorted(
        g.value
        for row in result.rows()
        if isinstance(g := row["g"], pyoxigraph.NamedNode)
        and g.value != edition_graph(settings.base_iri, year)
    )
    if elsewhere:
        raise InputError(
            f"the {year} edition is already in the store, in graph {elsewhere[0]}",
            hint="import a later edition, or delete that graph first (unpacs delete --graph)",
        )


def stored_member_states(store: Store, base_iri: str) -> set[str]:
    ns = vocab(base_iri)
    result = store.query(f"SELECT ?code WHERE {{ ?c a <{ns}MemberState> ; <{ns}isoAlpha3> ?code }}")
    assert isinstance(result, SolutionsResult)
    return {
        code.value for row in result.rows() if isinstance(code := row["code"], pyoxigraph.Literal)
    }


def _require_reference_data(store: Store, settings: Settings) -> set[str]:
    states = stored_member_states(store, settings.base_iri)
    structure = settings.base_iri + STRUCTURE
    asked = store.query(
        f"ASK {{ <{structure}> a <http://purl.org/linked-data/cube#DataStructureDefinition> }}"
    )
    assert isinstance(asked, BooleanResult)
    if not states or not asked.value:
        raise UnpacsError(
            "the store has no UN Member States or no E-Government Survey structure",
            hint="load the bundled reference data first: unpacs build",
        )
    return states


def import_edition(
    store: Store,
    path: Path,
    *,
    edition: int,
    settings: Settings,
    source_url: str | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    """Check ``path`` (every bad cell at once), then load it as ``edition``; raises on any problem.

    ``source_url`` is where the file was downloaded (default: the UN E-Government Knowledgebase
    Data Center); it is recorded as the file's source.
    """
    if not FIRST_EDITION <= edition <= LAST_EDITION:
        raise InputError(
            f"{edition} is not a survey edition",
            hint=f"give the year of the edition, {FIRST_EDITION}-{LAST_EDITION}",
        )
    check_input_file(path, settings)
    if source_url is not None and not source_url.startswith(("https://", "http://")):
        raise InputError(f"{source_url!r} is not an http(s) URL", hint="--source-url URL")
    states = _require_reference_data(store, settings)
    _refuse_stored_edition(store, settings, edition)
    data = path.read_bytes()
    parsed = read_edition(
        data,
        file=str(path),
        edition=edition,
        member_states=states,
        country_names=country_lookup(store, (), settings.base_iri),
    )
    digest = hashlib.sha256(data).hexdigest()
    origin = source_url or DATA_CENTER
    source = FileProvenance(
        iri=thing_path("dataset", f"egov-survey-{edition}-file-{digest[:16]}"),
        file_name=path.name,
        sha256=digest,
        description=(
            f"CSV of the UN E-Government Survey {edition} indices, loaded with 'unpacs import "
            f"egov-survey --edition {edition}'; taken from {origin}."
        ),
        source=origin,
    )
    turtle = edition_turtle(parsed, source, "Made by unpacs import egov-survey.")
    rdf = Source(
        name=str(path),
        data=turtle.encode("utf-8"),
        fmt=formats.by_name("turtle"),
        graph=edition_graph(settings.base_iri, edition),
        file_name=path.name,
        digest=content_hash(data),
        chosen=True,  # this command names the graph: a new import replaces the last one
    )
    report = load_sources(store, [rdf], settings, validate=True, progress=progress)
    report.issues = list(parsed.notes) + report.issues
    return report
