"""How a write is gated: tokens, country scope, the one writer (GSP and SPARQL Update through
the SHACL gate), drafts, history and diffs, upload checks and record templates.
"""
