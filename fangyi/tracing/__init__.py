"""Tracing: cases, and the close and secondary close contacts derived from them."""
