"""Bulk import of registry files (areas, persons, venues, check-ins) from CSV or Excel.

The public entry point is :func:`fangyi.imports.service.run_import`.
"""
