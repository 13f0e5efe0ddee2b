"""Parsing of RDF inputs into quads, with errors that name file, line and column.

JSON-LD: a ``@context`` that names our bundled context is replaced by its content; any other
remote context is refused, so parsing never makes the process fetch a URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyoxigraph

from unpacs.loader.bundled import BUNDLED_CONTEXT_PATH, bundled_context
from unpacs.loader.errors import InputError, RdfSyntaxError
from unpacs.loader.formats import Format
from unpacs.loader.ingest.upload_limits import check_json_depth, refuse_xml_declarations, too_deep


def _inline_contexts(node: Any, base_iri: str, file: str) -> Any:
    """Replace references to our context by its content; refuse every other remote context."""
    if isinstance(node, list):
        return [_inline_contexts(item, base_iri, file) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "@context":
            out[key] = _resolve_context(value, base_iri, file)
        else:
            out[key] = _inline_contexts(value, base_iri, file)
    return out


def _resolve_context(value: Any, base_iri: str, file: str) -> Any:
    if isinstance(value, list):
        return [_resolve_context(v, base_iri, file) for v in value]
    if isinstance(value, str):
        if value.endswith(BUNDLED_CONTEXT_PATH) or value == "unpacs":
            return bundled_context(base_iri)
        raise InputError(
            f"JSON-LD @context {value!r} is remote and is not fetched",
            file=file,
            hint=f"inline the context, or use our bundled context {base_iri}{BUNDLED_CONTEXT_PATH}",
        )
    if isinstance(value, dict):
        return {k: _inline_contexts(v, base_iri, file) for k, v in value.items()}
    return value


def _prepare_jsonld(data: bytes, base_iri: str, file: str) -> bytes:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise RdfSyntaxError(
            f"not UTF-8 text (byte {error.start})", file=file, hint="save the file as UTF-8"
        ) from None
    except json.JSONDecodeError as error:
        raise RdfSyntaxError(
            f"JSON syntax error: {error.msg}", file=file, line=error.lineno, column=error.colno
        ) from None
    except RecursionError:
        raise too_deep(file) from None
    # Before any recursive walk (ours, or the JSON-LD parser's) sees it.
    check_json_depth(document, file)
    return json.dumps(_inline_contexts(document, base_iri, file)).encode()


def parse_rdf(
    data: bytes,
    fmt: Format,
    *,
    file: str,
    base_iri: str,
) -> list[pyoxigraph.Quad]:
    """Parse ``data`` into quads; triples come back in the default graph."""
    if fmt.kind != "rdf":
        raise InputError(f"{fmt.name} is not an RDF format", file=file)
    if fmt.name == "jsonld":
        data = _prepare_jsonld(data, base_iri, file)
        oxi_format = pyoxigraph.RdfFormat.JSON_LD
    elif fmt.oxigraph_rdf == pyoxigraph.RdfFormat.RDF_XML:
        refuse_xml_declarations(data, file)
        oxi_format = fmt.oxigraph_rdf
    else:
        assert fmt.oxigraph_rdf is not None
        oxi_format = fmt.oxigraph_rdf
    try:
        quads: Iterator[pyoxigraph.Quad] = pyoxigraph.parse(
            data, oxi_format, base_iri=base_iri, rename_blank_nodes=True
        )
        return list(quads)
    except SyntaxError as error:
        raise RdfSyntaxError(
            f"{fmt.name} syntax error: {_clean(error.msg)}",
            file=file,
            line=error.lineno,
            column=error.offset,
            hint="fix the statement at this position; nothing was loaded",
        ) from None
    except (ValueError, OSError) as error:
        raise RdfSyntaxError(f"{fmt.name} cannot be read: {error}", file=file) from None


def _clean(message: str) -> str:
    # pyoxigraph prefixes messages with the position, which we report as fields already.
    head, sep, rest = message.partition(": ")
    if sep and head.replace("at line", "").strip()[:1].isdigit():
        return rest
    return message
