"""The UN E-Government Survey: read an edition's CSV, write it as RDF Data Cube, import it."""
