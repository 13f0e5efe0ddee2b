"""Flask blueprints: each route parses the request, makes one library call, renders a response."""
