"""Data files of the facet intake kiosk (questionnaire, rule pack, app strings, info sheets, demo).

An installed copy carries this folder as the package ``kiosk.data``; see ``kiosk/resources.py``.
"""
