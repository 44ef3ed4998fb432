"""Service functions behind the routes: plain functions over a connection, no FastAPI."""
