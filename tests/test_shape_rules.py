"""Issue 7, problem 1: the SHACL gate fails closed whatever the working directory.

Each case runs the installed ``unpacs`` command as a real process from a temporary folder that
is not the project root, so nothing can be found relative to the working directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

UNPACS = str(Path(sys.executable).with_name("unpacs"))

# An institution with neither a name nor a country: the bundled shapes must refuse it.
NAMELESS = """\
@prefix org: <http://www.w3.org/ns/org#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<id/organization/nameless> a org:Organization ;
    dcterms:source <id/document/nowhere> .
"""


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("UNPACS_")}
    clean["UNPACS_STORE"] = str(cwd / "store")
    return subprocess.run(
        [UNPACS, *args],
        capture_output=True,
        text=True,
        env=clean | env,
        cwd=cwd,
        timeout=120,
    )


@pytest.fixture
def nameless(tmp_path: Path) -> Path:
    path = tmp_path / "nameless.ttl"
    path.write_text(NAMELESS, encoding="utf-8")
    return path


def test_issue_7_problem1_validate_from_another_folder_uses_the_bundled_shapes(
    tmp_path: Path, nameless: Path
) -> None:
    done = run(tmp_path, "validate", nameless.name)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "does not conform" in done.stdout
    assert "conforms: 0 violation" not in done.stdout


def test_issue_7_problem1_load_from_another_folder_is_refused(
    tmp_path: Path, nameless: Path
) -> None:
    done = run(tmp_path, "load", nameless.name)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "nothing was loaded" in done.stderr
    assert "loaded" not in done.stdout


def _missing(tmp_path: Path) -> str:
    return "/does/not/exist"


def _empty(tmp_path: Path) -> str:
    folder = tmp_path / "empty-shapes"
    folder.mkdir()
    (folder / "README.md").write_text("no shapes here\n", encoding="utf-8")
    return str(folder)


def _bad(tmp_path: Path) -> str:
    folder = tmp_path / "bad-shapes"
    folder.mkdir()
    broken = "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<a> sh:"
    (folder / "broken.ttl").write_text(broken, "utf-8")
    return str(folder)


def _no_shapes(tmp_path: Path) -> str:
    folder = tmp_path / "not-shapes"
    folder.mkdir()
    (folder / "data.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n", "utf-8")
    return str(folder)


@pytest.mark.parametrize(
    ("make_dir", "expected"),
    [
        (_missing, "does not exist"),
        (_empty, "holds no *.ttl shape files"),
        (_bad, "does not parse"),
        (_no_shapes, "declares no sh:NodeShape or sh:PropertyShape"),
    ],
    ids=["missing", "empty", "unparsable", "no-shapes"],
)
@pytest.mark.parametrize("command", ["validate", "load"])
def test_issue_7_problem1_unusable_shapes_are_a_configuration_error(
    tmp_path: Path, nameless: Path, make_dir: object, expected: str, command: str
) -> None:
    shapes_dir = make_dir(tmp_path)  # type: ignore[operator]
    done = run(tmp_path, command, nameless.name, UNPACS_SHAPES_DIR=shapes_dir)
    assert done.returncode == 1, done.stdout + done.stderr
    assert expected in done.stderr
    assert "UNPACS_SHAPES_DIR" in done.stderr
    assert "Traceback" not in done.stderr
    assert "conforms" not in done.stdout
    assert "loaded" not in done.stdout
