"""UN E-Government Survey indices from CSV: read one edition and check every row and cell.

Two layouts are accepted, told apart by their header (column titles are matched without regard
to case, spaces, hyphens or underscores):

- the UNU-EGOV compilation (``country-code, country-name, e-gov-rank, e-gov-index, e-pat-index,
  osi, hci, tii``), and
- the UN E-Government Knowledgebase Data Center download (``Country Name, E-Government Rank,
  E-Government Index, E-Participation Index, Online Service Index, Human Capital Index,
  Telecommunication Infrastructure Index``, optionally ``Survey Year`` and an ISO code column).

``COLUMNS`` lists every title accepted for each field. A row needs the country (an ISO 3166-1
alpha-3 code, or else a name that matches a stored country's label); every other cell may be
empty, and an empty cell means "not available": no observation, never a zero. The file is read
whole and every bad row and cell is reported at once; nothing is loaded unless all are good.
The RDF is written by ``egov_survey_rdf``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from unpacs.loader.errors import CsvRecordError, Issue, row_length_issue


@dataclass(frozen=True)
class Measure:
    key: str  # local name of the measure property, unpacs:{key}
    label: str
    is_rank: bool = False


MEASURES = (
    Measure("egdi", "E-Government Development Index (EGDI)"),
    Measure("epi", "E-Participation Index (EPI)"),
    Measure("osi", "Online Service Index (OSI)"),
    Measure("hci", "Human Capital Index (HCI)"),
    Measure("tii", "Telecommunication Infrastructure Index (TII)"),
    Measure("egdiRank", "EGDI rank", is_rank=True),
)
MEASURE_KEYS = tuple(m.key for m in MEASURES)

# Field -> accepted column titles (compilation first, then Data Center and common variants).
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "code": ("country-code", "Country Code", "ISO Code", "ISO3", "ISO-alpha3 Code", "iso_alpha3"),
    "name": ("country-name", "Country Name", "Country"),
    "year": ("Survey Year", "Year", "Edition"),
    "egdiRank": ("e-gov-rank", "E-Government Rank", "EGDI Rank", "Rank"),
    "egdi": ("e-gov-index", "E-Government Index", "E-Government Development Index", "EGDI"),
    "epi": ("e-pat-index", "E-Participation Index", "EPI", "EPART"),
    "osi": ("osi", "Online Service Index", "OSI"),
    "hci": ("hci", "Human Capital Index", "HCI"),
    "tii": ("tii", "Telecommunication Infrastructure Index", "TII"),
}
REQUIRED_MEASURES = ("egdi", "egdiRank")
# Float noise of the compilation (0.6955600000000001) sits beyond the 10th decimal; the survey
# publishes 4 or 5 decimals, so rounding to 10 places and dropping trailing zeros restores the
# published figure without cutting a real digit.
_NOISE = Decimal("1e-10")
_ALPHA3 = re.compile(r"^[A-Z]{3}$")
_VALUE_HINTS = {
    "index": "write the index as a decimal from 0 to 1 (e.g. 0.6512); leave the cell empty "
    "if the survey gives no value",
    "rank": "write the rank as a whole number from 1 (e.g. 75); leave the cell empty if the "
    "survey gives no rank",
}


def _norm(title: str) -> str:
    return re.sub(r"[\s_\-]+", "", title.strip().lower())


_BY_TITLE = {_norm(t): key for key, titles in COLUMNS.items() for t in titles}


@dataclass(frozen=True)
class Row:
    """One country's figures in one edition: measure key -> published value (decimal text)."""

    alpha3: str
    name_in_source: str
    values: Mapping[str, str]


@dataclass
class Edition:
    year: int
    rows: list[Row] = field(default_factory=list)
    notes: list[Issue] = field(default_factory=list)  # warnings: ignored or absent columns

    @property
    def observation_count(self) -> int:
        return sum(len(r.values) for r in self.rows)


def clean_decimal(value: Decimal) -> str:
    """``0.6955600000000001`` -> ``"0.69556"``; always with a decimal point (xsd:decimal)."""
    text = format(value.quantize(_NOISE, rounding=ROUND_HALF_EVEN).normalize(), "f")
    return text if "." in text else text + ".0"


def _decode(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvRecordError(
            f"not UTF-8 text (byte {error.start})",
            file=file,
            hint="save the file as UTF-8 (in a spreadsheet: CSV UTF-8)",
        ) from None


def _header(cells: list[str], file: str, issues: list[Issue]) -> dict[str, int]:
    """Field -> column index; unknown columns become notes, a missing required one an error."""
    positions: dict[str, int] = {}
    for index, title in enumerate(cells):
        key = _BY_TITLE.get(_norm(title))
        if key is None:
            continue
        if key in positions:
            issues.append(
                Issue(
                    f"column {title!r} repeats the {key} column {cells[positions[key]]!r}",
                    file=file,
                    row=1,
                    field=title,
                    hint="keep one column per field",
                )
            )
        positions[key] = index
    missing = [k for k in REQUIRED_MEASURES if k not in positions]
    if "code" not in positions and "name" not in positions:
        missing.insert(0, "code")
    for key in missing:
        issues.append(
            Issue(
                f"no {key} column",
                file=file,
                row=1,
                hint=f"name it one of: {', '.join(COLUMNS[key])}",
            )
        )
    return positions


def _check_value(measure: str, text: str) -> tuple[str | None, str | None]:
    """(cleaned value, None) or (None, what is wrong) for one non-empty cell."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None, "is not a number"
    if not number.is_finite():
        return None, "is not a number"
    if measure == "egdiRank":
        if number != number.to_integral_value() or number < 1:
            return None, "is not a rank (a whole number from 1)"
        return str(int(number)), None
    if not Decimal(0) <= number <= Decimal(1):
        return None, "is not an index value between 0 and 1"
    return clean_decimal(number), None


def _country(
    cells: dict[str, str],
    member_states: Collection[str],
    names: Mapping[str, str],
) -> tuple[str | None, str | None, str | None]:
    """(alpha-3, None, None) or (None, column field, problem) for a row's country."""
    code = cells.get("code", "").strip()
    if "code" in cells:
        if not _ALPHA3.match(code.upper()):
            return None, "code", f"{code!r} is not an ISO 3166-1 alpha-3 code"
        if code.upper() not in member_states:
            return None, "code", f"{code!r} is not the ISO alpha-3 code of a UN Member State"
        return code.upper(), None, None
    name = cells.get("name", "").strip()
    found = names.get(name.lower())
    if found is None or found not in member_states:
        return None, "name", f"{name!r} is not the name of a UN Member State in the store"
    return found, None, None


def _read_row(
    cells: dict[str, str],
    titles: dict[str, str],
    number: int,
    file: str,
    edition: int,
    member_states: Collection[str],
    country_names: Mapping[str, str] | None,
    issues: list[Issue],
) -> Row | None:
    """One record's country and values; its bad cells go to ``issues`` (then None)."""
    found = len(issues)

    def bad(key: str, problem: str, hint: str | None) -> None:
        text = cells.get(key, "")
        issues.append(
            Issue(
                f"{text!r} {problem}" if text else problem,
                file=file,
                row=number,
                field=titles[key],
                value=text or None,
                hint=hint,
            )
        )

    alpha3, where, problem = _country(cells, member_states, country_names or {})
    if alpha3 is None:
        assert where is not None and problem is not None
        hint = (
            "use the ISO 3166-1 alpha-3 code of one of the 193 UN Member States"
            if where == "code"
            else "add a 'Country Code' column with the ISO 3166-1 alpha-3 codes"
        )
        issues.append(Issue(problem, file=file, row=number, field=titles[where], hint=hint))
    if "year" in cells and cells["year"] not in ("", str(edition)):
        bad("year", f"is not the edition being imported ({edition})", "check --edition")
    values: dict[str, str] = {}
    for key in MEASURE_KEYS:
        if key not in cells or cells[key] == "":
            continue  # not available: no observation, never a zero
        value, wrong = _check_value(key, cells[key])
        if wrong is not None:
            bad(key, wrong, _VALUE_HINTS["rank" if key == "egdiRank" else "index"])
        elif value is not None:
            values[key] = value
    if alpha3 is None or len(issues) > found:
        return None
    return Row(alpha3, cells.get("name", ""), values)


def read_edition(
    data: bytes,
    *,
    file: str,
    edition: int,
    member_states: Collection[str],
    country_names: Mapping[str, str] | None = None,
) -> Edition:
    """Every row of one edition's CSV, checked; raises with every bad row and cell at once.

    ``member_states`` are the ISO alpha-3 codes of UN Member States; ``country_names`` maps
    lower-cased country names to codes, used only when the file has no code column.
    """
    text = _decode(data, file)
    table = list(csv.reader(io.StringIO(text, newline="")))
    if not table or not any(c.strip() for c in table[0]):
        raise CsvRecordError("the file is empty: expected a header row and records", file=file)
    issues: list[Issue] = []
    header = [c.strip() for c in table[0]]
    positions = _header(header, file, issues)
    result = Edition(edition)
    for index, title in enumerate(header):
        if index not in positions.values():
            result.notes.append(
                Issue(
                    f"column {title!r} is not used",
                    severity="Warning",
                    file=file,
                    row=1,
                    field=title,
                    hint="accepted columns: " + "; ".join(", ".join(t) for t in COLUMNS.values()),
                )
            )
    for key in MEASURE_KEYS:
        if key not in positions and key not in REQUIRED_MEASURES:
            result.notes.append(
                Issue(
                    f"no {key} column: the edition will have no {key} observations",
                    severity="Warning",
                    file=file,
                    row=1,
                )
            )
    if issues:
        raise CsvRecordError(
            f"the header of {file} is not an E-Government Survey layout",
            file=file,
            row=1,
            issues=issues,
        )
    seen: dict[str, int] = {}
    for number, raw in enumerate(table[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) != len(header):
            issues.append(row_length_issue(len(raw), len(header), file, number))
            continue
        cells = {key: raw[i].strip() for key, i in positions.items()}
        titles = {key: header[i] for key, i in positions.items()}
        row = _read_row(cells, titles, number, file, edition, member_states, country_names, issues)
        if row is None:
            continue
        if row.alpha3 in seen:
            issues.append(
                Issue(
                    f"{row.alpha3} is already on row {seen[row.alpha3]}",
                    file=file,
                    row=number,
                    field=titles.get("code", titles.get("name")),
                    hint="one row per country and edition",
                )
            )
            continue
        seen[row.alpha3] = number
        result.rows.append(row)
    if issues:
        raise CsvRecordError(
            f"{len(issues)} problem(s) in {file}; nothing was loaded",
            file=file,
            issues=issues,
            hint="fix the cells named above and import again",
        )
    if not result.rows:
        raise CsvRecordError("the file has a header but no records", file=file)
    result.rows.sort(key=lambda r: r.alpha3)
    return result
