"""Rich media logged with ``run.log``: images, audio, video, HTML, text, 3D, plots, tables.

See docs/design/0010-media-and-tables.md for the value shapes and where encoding happens.
"""
