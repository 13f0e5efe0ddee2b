"""The prefixes unpacs writes and reads: W3C/EU vocabularies plus our own, under the base IRI."""

from __future__ import annotations

import pyoxigraph

from unpacs.loader.uris import vocab

STANDARD = {
    "adms": "http://www.w3.org/ns/adms#",
    "cv": "http://data.europa.eu/m8g/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "locn": "http://www.w3.org/ns/locn#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "qb": "http://purl.org/linked-data/cube#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "http://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def prefixes(base_iri: str) -> dict[str, str]:
    """All prefixes, ``unpacs:`` resolved against ``base_iri``."""
    return {**STANDARD, "unpacs": vocab(base_iri)}


# Namespace and term IRIs every module reads from here (one definition each).
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
XSD = "http://www.w3.org/2001/XMLSchema#"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SCHEMA = "http://schema.org/"
LOCN = "http://www.w3.org/ns/locn#"
FOAF = "http://xmlns.com/foaf/0.1/"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE_NODE = pyoxigraph.NamedNode(RDF_TYPE)
