"""The public read API (``cairn.Api``) and its HTTP client."""
