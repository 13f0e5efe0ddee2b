"""Deterministic Turtle text for the generated reference files (sorted, fixed formatting)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

PREFIXES = (
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("schema", "http://schema.org/"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("unpacs", "def/unpacs#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
)


# ---------------------------------------------------------------- Turtle formatting


def iri(path_or_url: str) -> str:
    if any(c in path_or_url for c in '<>"{}|^`\\ \n'):
        raise ValueError(f"not writable as an IRI: {path_or_url!r}")
    return f"<{path_or_url}>"


def literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    suffix = f"@{lang}" if lang else (f"^^{datatype}" if datatype else "")
    return f'"{escaped}"{suffix}'


def subject_block(subject: str, types: Sequence[str], pairs: Iterable[tuple[str, str]]) -> str:
    """One subject: ``a`` first, then one ``predicate object`` per line in the given order."""
    lines = [f"{subject} a {', '.join(types)}"]
    lines += [f"    {p} {o}" for p, o in pairs]
    return " ;\n".join(lines) + " .\n"


def turtle_document(comment: str, blocks: Iterable[str]) -> str:
    header = "".join(f"# {line}\n" if line else "#\n" for line in comment.splitlines())
    prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES)
    return header + "\n" + prefixes + "\n" + "\n".join(blocks)
