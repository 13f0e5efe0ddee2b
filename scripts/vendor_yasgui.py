"""Vendor the YASGUI query editor (npm ``@zazuko/yasgui``) into ``endpoint/static/yasgui/``.

The page never loads anything from a CDN: the built files are copied into the repository with
the package's version, licence and checksums (``VENDORED.md``). Re-run to upgrade:

    .venv/bin/python -m scripts.vendor_yasgui [--version 4.6.2]

It runs ``npm pack`` (the npm registry through npm's own client) into a temporary folder.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = REPO / "endpoint" / "static" / "yasgui"
PACKAGE = "@zazuko/yasgui"
FILES = ("build/yasgui.min.js", "build/yasgui.min.css")

MIT = """MIT License

Copyright (c) {holders}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def vendor(version: str, target: Path = TARGET) -> None:
    with tempfile.TemporaryDirectory(prefix="vendor-yasgui-") as tmp:
        subprocess.run(  # noqa: S603 - fixed arguments to npm
            ["npm", "pack", f"{PACKAGE}@{version}", "--pack-destination", tmp],  # noqa: S607
            check=True,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
        )
        (tarball,) = Path(tmp).glob("*.tgz")
        packed = tarball.read_bytes()
        with tarfile.open(tarball) as archive:
            members = {m.name.removeprefix("package/"): m for m in archive.getmembers()}
            meta = json.loads(archive.extractfile(members["package.json"]).read())  # type: ignore[union-attr]
            contents = {
                name: archive.extractfile(members[name]).read()  # type: ignore[union-attr]
                for name in FILES
            }
    if meta["license"] != "MIT":
        sys.exit(f"{PACKAGE} {version} is licensed {meta['license']}; review before vendoring")
    target.mkdir(parents=True, exist_ok=True)
    for name, data in contents.items():
        (target / Path(name).name).write_bytes(data)
    holders = meta["author"] + "".join(", " + c["name"] for c in meta.get("contributors", []))
    licence = (
        f'{PACKAGE} {version} is published under the MIT licence (the "license" field of its\n'
        f"package.json; author and contributors as named there: {holders}).\n"
        "The npm package ships no licence file; this is the MIT licence text.\n\n"
    ) + MIT.format(holders=holders)
    (target / "LICENSE").write_text(licence, encoding="utf-8")
    rows = "\n".join(
        f"| `{Path(name).name}` | `{sha256(data)}` |" for name, data in contents.items()
    )
    (target / "VENDORED.md").write_text(
        f"# Vendored: {PACKAGE} {version}\n\n"
        f"The SPARQL query editor served at `/sparql` (YASGUI: {meta.get('homepage', '')}).\n"
        f"Copied from the npm package `{PACKAGE}@{version}` by `scripts/vendor_yasgui.py`;\n"
        "nothing is loaded from a CDN. Licence: MIT (see `LICENSE`). The minified bundle also\n"
        "contains its npm dependencies (CodeMirror, DataTables, DOMPurify, ...) under their own\n"
        "licences, as listed in the package's `package.json`.\n\n"
        f"- package tarball sha256: `{sha256(packed)}`\n"
        f"- npm integrity (`npm view … dist.integrity`): `{integrity(packed)}`\n\n"
        "| file | sha256 |\n|---|---|\n" + rows + "\n\n"
        "Re-vendor (or upgrade): `.venv/bin/python -m scripts.vendor_yasgui --version X.Y.Z`.\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="4.6.2")
    args = parser.parse_args(argv)
    vendor(args.version)


if __name__ == "__main__":
    main()
