"""Logged tables on the server: typed Arrow copies, cached, queried with pyarrow compute."""
