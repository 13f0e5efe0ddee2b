"""What documents and pages show, Flask-free: descriptions of things, full-text search,
example queries and the ontology documentation.
"""
