"""Kept for notebooks written before the package layout.

They say `from relbook.nbsession import Session`.
"""

from relbook.notebook.nbsession import Session

__all__ = ["Session"]
