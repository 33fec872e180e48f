"""The ``kg`` command: a thin Typer layer over :mod:`graph.api`.
"""

from graph.cli.app import app

__all__ = ["app"]
