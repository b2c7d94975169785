"""Automatic capture for a run: git state, environment, system metrics and console output."""
