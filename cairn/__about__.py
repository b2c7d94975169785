"""Version of the cairn-ml distribution."""

__version__ = "0.1.0"
