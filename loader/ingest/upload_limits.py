"""Checks an upload passes before a parser reads it, so that no input can exhaust the process.

Each check is cheap and proportional to the (size-capped) input:
- RDF/XML with a DOCTYPE or an entity declaration is refused: entities are how an XML file of a
  few KB expands to GB ("billion laughs", quadratic blowup) or reaches for a file or URL
  (external entities), and RDF/XML never needs them;
- JSON nested deeper than ``MAX_JSON_DEPTH`` is refused (deeper input exhausts the recursion
  of the JSON-LD tools; no JSON-LD document of ours nests a tenth as deep);
- an XLSX workbook's zip is measured from its directory before anything is decompressed:
  member count, decompressed size per member and in total, compression ratio; its XML members
  are then scanned for DOCTYPEs, and the cells of its worksheets counted (``MAX_WORKBOOK_CELLS``:
  the annotated workbook is built by openpyxl in full, about 1.4 KB a cell, in the store-owning
  process, and a sheet's declared dimension can lie about its rows). Python's ``zipfile``
  stops a member at its declared size (a longer stream fails its CRC), so declared sizes
  bound what decompression produces;
- rows (CSV records, sheet rows) are capped by ``UNPACS_MAX_UPLOAD_ROWS``.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from unpacs.loader.errors import InputTooLargeError, UnsafeInputError

MAX_JSON_DEPTH = 100
MAX_ZIP_MEMBERS = 1000
# Spreadsheet XML compresses about 10:1; 200:1 only happens for a file built to expand.
MAX_ZIP_RATIO = 200
MAX_SHEET_COLUMNS = 256
MAX_WORKBOOK_CELLS = 500_000
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_SCAN_BLOCK = 1024 * 1024


def refuse_xml_declarations(data: bytes, file: str) -> None:
    """Refuse XML that declares a DOCTYPE or entities (checked in UTF-8 and UTF-16)."""
    texts = [data]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        for codec in ("utf-16-le", "utf-16-be"):
            texts.append(data.decode(codec, "ignore").encode("utf-8", "ignore"))
    for text in texts:
        found = _DECLARATION.search(text)
        if found:
            raise UnsafeInputError(
                f"XML {found.group(1).decode().upper()} declarations are refused "
                "(entities can expand a small file without bound)",
                file=file,
                line=text[: found.start()].count(b"\n") + 1,
                hint="remove the <!DOCTYPE ...> block; RDF/XML does not need entities",
            )


def check_json_depth(document: Any, file: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse a parsed JSON document that nests deeper than ``max_depth`` (iterative walk)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if depth > max_depth:
            raise too_deep(file, max_depth)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)


def too_deep(file: str, max_depth: int = MAX_JSON_DEPTH) -> UnsafeInputError:
    return UnsafeInputError(
        f"JSON nested deeper than {max_depth} levels is refused",
        file=file,
        hint="flatten the document (JSON-LD @graph with node references)",
    )


def rows_over(limit: int, file: str) -> InputTooLargeError:
    return InputTooLargeError(
        f"the upload has more than {limit:,} rows (the limit per upload)",
        file=file,
        hint="split the file, or ask the operator to raise UNPACS_MAX_UPLOAD_ROWS",
    )


def check_xlsx_zip(data: bytes, file: str, max_unzipped: int) -> None:
    """Refuse a workbook whose zip would expand past the caps, before openpyxl opens it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip: openpyxl's own refusal says "not an XLSX workbook"
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            count = f"has {len(members):,} zip members (at most {MAX_ZIP_MEMBERS})"
            raise _zip_refusal(file, count)
        total = sum(m.file_size for m in members)
        if total > max_unzipped:
            raise _zip_refusal(
                file,
                f"expands to {total:,} bytes, over the limit of {max_unzipped:,}",
                setting=True,
            )
        for member in members:
            ratio = member.file_size // max(member.compress_size, 1)
            if member.file_size > 1024 * 1024 and ratio > MAX_ZIP_RATIO:
                raise _zip_refusal(
                    file,
                    f"member {member.filename} expands {ratio:,} times (at most {MAX_ZIP_RATIO})",
                )
        cells = 0
        for member in members:
            if member.filename.endswith((".xml", ".rels", ".vml")):
                cells += _scan_member(archive, member, file)
                if cells > MAX_WORKBOOK_CELLS:
                    raise _zip_refusal(
                        file,
                        f"has more than {MAX_WORKBOOK_CELLS:,} cells in its worksheets",
                        hint="split the workbook, or export the sheet as CSV UTF-8",
                    )


def _scan_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, file: str) -> int:
    """Refuse a declaration in ``member``; the number of cells it holds if it is a worksheet."""
    worksheet = "worksheets/" in member.filename.lower()
    tail = b""
    cells = 0
    try:
        with archive.open(member) as stream:
            while block := stream.read(_SCAN_BLOCK):
                if _DECLARATION.search(tail + block):
                    raise _zip_refusal(
                        file, f"member {member.filename} declares a DOCTYPE or entities"
                    )
                if worksheet:
                    # A tag cut by the block boundary is counted in the block it ends in.
                    cells += len(_CELL.findall(tail + block)) - len(_CELL.findall(tail))
                tail = block[-16:]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return cells  # a broken member: openpyxl's refusal names it
    return cells


def _zip_refusal(
    file: str, why: str, *, setting: bool = False, hint: str | None = None
) -> InputTooLargeError:
    hint = hint or "save the workbook again from a spreadsheet program, or export it as CSV UTF-8"
    if setting:
        hint = "split the workbook, or ask the operator to raise UNPACS_MAX_UNZIPPED_BYTES"
    return InputTooLargeError(f"the XLSX workbook {why}; it was not opened", file=file, hint=hint)
