"""Artifacts: versioned datasets and models (design 0013)."""
