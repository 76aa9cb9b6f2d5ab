"""The matrix's world and client (a module-scoped fixture) for every test module of this folder."""

from tests.matrix.test_matrix import matrix  # noqa: F401 (a fixture, found here by pytest)
