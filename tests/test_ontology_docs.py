"""Ontology documentation generated with pyLODE from ontology/unpacs.ttl."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.stores import BASE

from unpacs.loader.errors import InputError, RdfSyntaxError
from unpacs.loader.read.ontology_docs import build_ontology_docs, main

ROOT = Path(__file__).parent.parent
ONTOLOGY = ROOT / "ontology" / "unpacs.ttl"

# Terms ontology/MODELLING.md says are ours (no W3C/EU term fits them).
OUR_TERMS = [
    "MemberState",
    "SpecialAdministrativeRegion",
    "CaseStudy",
    "formalName",
    "isoAlpha2",
    "isoAlpha3",
    "m49Code",
    "countryGroup",
    "sourceFile",
    "contentHash",
]

SMALL_ONTOLOGY = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix unpacs: <def/unpacs#> .
<def/unpacs> a owl:Ontology {title} .
unpacs:CaseStudy a owl:Class ; rdfs:label "Case study"@en ;
    skos:definition "A documented e-government practice."@en ; rdfs:isDefinedBy <def/unpacs> .
"""


def write_small_ontology(tmp_path: Path, title: str = '; dcterms:title "Small"@en') -> Path:
    path = tmp_path / "small.ttl"
    path.write_text(SMALL_ONTOLOGY.format(title=title), encoding="utf-8")
    return path


def test_docs_of_the_bundled_ontology_name_our_terms(tmp_path: Path) -> None:
    assert ONTOLOGY.is_file(), "ontology/unpacs.ttl is missing"
    target = build_ontology_docs(ONTOLOGY, BASE, tmp_path / "def")
    assert target == tmp_path / "def" / "index.html"
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    missing = [t for t in OUR_TERMS if BASE + "def/unpacs#" + t not in html]
    assert missing == []


def test_docs_show_iris_under_the_base_iri(tmp_path: Path) -> None:
    base = "https://unpacs.example.org/"
    html = build_ontology_docs(write_small_ontology(tmp_path), base, tmp_path / "out").read_text(
        encoding="utf-8"
    )
    assert base + "def/unpacs#CaseStudy" in html
    assert "Case study" in html
    assert "A documented e-government practice." in html
    assert BASE not in html


def test_ontology_without_title_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no title") as info:
        build_ontology_docs(write_small_ontology(tmp_path, title=""), BASE, tmp_path / "out")
    assert info.value.hint is not None and "dcterms:title" in info.value.hint
    assert not (tmp_path / "out").exists()


def test_broken_turtle_is_reported_with_its_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text("<def/unpacs> a <x> .\n<a> <b> .\n", encoding="utf-8")
    with pytest.raises(RdfSyntaxError) as info:
        build_ontology_docs(path, BASE, tmp_path / "out")
    assert info.value.file == str(path)
    assert info.value.line == 2


def test_missing_ontology_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        build_ontology_docs(tmp_path / "absent.ttl", BASE, tmp_path / "out")


def test_building_leaves_logging_alone(tmp_path: Path) -> None:
    # pyLODE calls logging.basicConfig(level=DEBUG) when imported and logs via the root logger.
    root = logging.getLogger()
    before = (root.handlers[:], root.level)
    build_ontology_docs(write_small_ontology(tmp_path), BASE, tmp_path / "out")
    assert (root.handlers, root.level) == before


def test_main_uses_the_base_iri_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNPACS_BASE_IRI", "https://unpacs.example.org/")
    source = write_small_ontology(tmp_path)
    assert main(["--ontology", str(source), "--out-dir", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "https://unpacs.example.org/def/unpacs#CaseStudy" in html


def test_main_reports_a_bad_ontology(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_small_ontology(tmp_path, title="")
    assert main(["--ontology", str(source), "--out-dir", str(tmp_path / "out")]) == 1
    assert "no title" in capsys.readouterr().err


def test_module_entry_point_writes_var_def(tmp_path: Path) -> None:
    # Run where `python -m unpacs.loader.read.ontology_docs` would be run, with the default paths.
    (tmp_path / "ontology").mkdir()
    write_small_ontology(tmp_path).rename(tmp_path / "ontology" / "unpacs.ttl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "unpacs.loader.read.ontology_docs"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "var" / "def" / "index.html").is_file()
    assert done.stdout.strip() == "wrote var/def/index.html"
