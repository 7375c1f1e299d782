"""relbook: executable, parameterized release runbooks from Markdown guides."""

__version__ = "0.1.0"
