"""Widgets and helpers the patient kiosk and the staff station share (and nothing else may)."""
