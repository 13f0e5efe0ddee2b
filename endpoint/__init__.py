"""Flask adapter over the ``loader`` library: SPARQL endpoint and dereferenceable URIs."""
