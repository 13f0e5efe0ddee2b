"""Every fixture lives in ``tests/fixtures/``; this makes them visible to every test module."""

# ``stores`` first: other fixture modules import it, and pytest rewrites asserts in a plugin
# only when it imports the module itself.
pytest_plugins = [
    "fixtures.stores",
    "fixtures.apps",
    "fixtures.browser",
    "fixtures.servers",
    "fixtures.virtuoso",
    "fixtures.payloads",
]
