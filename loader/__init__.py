"""unpacs library: store, formats, parsing, validation and the load pipeline (Flask-free)."""
