"""unpacs library, Flask-free: every concern but HTTP, in rooms.

The kernel modules here (``settings``, ``errors``, ``formats``, ``uris``, ``vocab``, ``bundled``,
``turtle_text``) are used by every room; ``store`` holds the store protocol and its two
implementations, ``ingest`` the load pipeline, ``query`` query execution, ``read`` what pages
and documents show, ``stewards`` the gated write path, ``survey`` the E-Government Survey
import and ``cli`` the command line. Rooms import only downwards (``tests/test_layering.py``).
"""
