"""Domain core of the facet intake kiosk. Pure Python: nothing below this package imports Qt."""

__version__ = "0.1.0"
