"""Builders of small import files for the import tests."""
