"""Artifacts: versioned sets of files (datasets, models), deduplicated by content (design 0013).

``cairn.Artifact`` (``artifact.py``) is built and logged by a run (``logged.py``, the record the
sender uploads with ``sending.py``), used and downloaded (``using.py``, ``download.py``) through
the local cache (``cache.py``).
"""
