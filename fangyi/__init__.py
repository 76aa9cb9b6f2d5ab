"""Fangyi (防疫): an outbreak response command platform."""

__version__ = "0.1.0"
