"""Getting data in: read (size-capped) -> parse -> provenance -> SHACL -> one commit.

The load pipeline and its steps (parsing, CSV/XLSX/CSVW records, provenance, validation and
its scope), the plan of which graph holds which records, and ``unpacs build``.
"""
