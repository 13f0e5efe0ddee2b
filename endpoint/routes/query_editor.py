"""The query editor a browser gets at ``/sparql``: vendored YASGUI, our prefixes, the examples.

Everything the page shows comes through Jinja's autoescaping, and the configuration reaches the
script as JSON inside ``<script type="application/json">`` (Flask's ``tojson`` escapes ``<``,
``>``, ``&`` and quotes), so neither an example nor a prefix can inject markup.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, render_template, request

from unpacs.endpoint import security_headers
from unpacs.endpoint.state import state_of
from unpacs.endpoint.views.models import LINK_SCHEMES
from unpacs.loader.read.examples import load_examples
from unpacs.loader.vocab import prefixes


def render() -> Response:
    settings = state_of().settings
    examples = load_examples()
    config = {
        "endpoint": request.base_url,
        "prefixes": prefixes(settings.base_iri),
        "examples": [asdict(e) for e in examples],
        "link_schemes": sorted(LINK_SCHEMES),
    }
    html = render_template("sparql.html", config=config, examples=examples)
    return security_headers.allow_inline_styles(Response(html, mimetype="text/html"))
