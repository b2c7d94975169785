"""Surfaces that speak other trackers' protocols onto Cairn's store (the W&B client first)."""
