"""View models for the HTML pages: labelled rows and the sections of each kind of thing."""
