"""The installed tool, as a user gets it (issue 7, problem 5): build the wheel, install it into a
fresh virtual environment, and run the README's installed-tool sequence from an empty folder.

Dependencies come from a wheelhouse in ``var/wheelhouse`` that ``pip wheel`` keeps up to date
from the same index, so a rerun installs offline in seconds; ``unpacs`` itself is always the
freshly built wheel, and nothing of the source tree is on the fresh environment's path.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest
from fixtures.cli_helpers import clean_env, free_port, serving, unpacs

ROOT = Path(__file__).parent.parent
PIP = [sys.executable, "-m", "pip"]

INVALID = """@prefix org: <http://www.w3.org/ns/org#> .
<id/organization/nameless> a org:Organization .
"""
JSONLD = {
    "@context": "{base}def/context.jsonld",
    "@id": "id:organization/jsonld-agency",
    "@type": ["org:Organization", "cv:PublicOrganisation"],
    "name": {"en": "JSON-LD Test Agency"},
    "country": "id:country/PHL",
    "source": "id:document/unpog-ictd-asp-2014",
}


def _pip(*args: str) -> None:
    done = subprocess.run([*PIP, *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("dist")
    _pip("wheel", "--no-deps", "--quiet", "--wheel-dir", str(where), str(ROOT))
    (built,) = where.glob("unpacs-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The ``unpacs`` script of a fresh virtual environment holding only the wheel and its deps."""
    where = tmp_path_factory.mktemp("wheel")
    house = ROOT / "var" / "wheelhouse"
    _pip("wheel", "--quiet", "--find-links", str(house), "--wheel-dir", str(house), str(wheel))
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    _pip(
        "--python",
        str(python),
        "install",
        "--quiet",
        "--no-index",
        "--find-links",
        str(house),
        str(wheel),
    )
    return str(venv / "bin" / "unpacs")


@pytest.mark.slow
def test_issue_7_problem5_wheel_carries_one_namespace_and_the_bundled_files(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top == {"unpacs"}
    for wanted in (
        "unpacs/ontology/unpacs.ttl",
        "unpacs/ontology/context.jsonld",
        "unpacs/shapes/institution.ttl",
        "unpacs/data/reference/countries.ttl",
        "unpacs/data/seed/philippines.ttl",
        "unpacs/data/mappings/",
    ):
        assert any(n.startswith(wanted) for n in names), wanted


@pytest.mark.slow
def test_issue_7_problem5_installed_tool_works_from_an_empty_folder(
    installed: str, tmp_path: Path
) -> None:
    work = tmp_path / "empty"
    work.mkdir()
    port = free_port()
    env = clean_env(UNPACS_PORT=str(port))
    base = f"http://127.0.0.1:{port}/"

    version = unpacs(installed, work, env, "--version")
    assert version.returncode == 0
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert version.stdout.strip() == f"unpacs {project['version']}"

    empty = unpacs(installed, work, env, "serve")
    assert empty.returncode == 1
    assert "is empty: run `unpacs build` first" in empty.stderr

    built = unpacs(installed, work, env, "build")
    assert built.returncode == 0, built.stderr
    assert (work / "var" / "store").is_dir()
    assert len(built.stderr.splitlines()) < 40, "warnings are summarised"

    (work / "nameless.ttl").write_text(INVALID)
    refused = unpacs(installed, work, env, "load", "nameless.ttl")
    assert refused.returncode == 1
    assert "Institution needs a name" in refused.stderr
    assert "Traceback" not in refused.stderr

    document = json.dumps(JSONLD).replace("{base}", base)
    (work / "agency.jsonld").write_text(document)
    loaded = unpacs(installed, work, env, "load", "agency.jsonld")
    assert loaded.returncode == 0, loaded.stderr

    with serving(installed, work, env) as root:
        asked = urllib.parse.quote(
            "SELECT (COUNT(?c) AS ?n) WHERE { ?c a <" + base + "def/unpacs#MemberState> }"
        )
        with urllib.request.urlopen(f"{root}sparql?query={asked}&format=json") as answer:
            rows = json.load(answer)["results"]["bindings"]
        assert rows[0]["n"]["value"] == "193"
        agency = urllib.parse.quote(f"ASK {{ <{base}id/organization/jsonld-agency> ?p ?o }}")
        with urllib.request.urlopen(f"{root}sparql?query={agency}&format=json") as answer:
            assert json.load(answer)["boolean"] is True
