"""Benchmarks: `.venv/bin/python -m bench [--quick]`, or one module at a time (see README.md).

The parts are installed on import, as the server and the CLI install them at start: their
services check permissions against the table the parts declare."""

from fangyi.app import install

install()
