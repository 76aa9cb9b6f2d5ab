"""Holds the throw-away part `hotline` (tests/core/test_plug_in.py): a folder as a new part would be."""

from pathlib import Path

FOLDER = Path(__file__).parent / "hotline"
