"""Accounts, sessions, API keys and project roles."""
