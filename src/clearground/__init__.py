"""Clearground: an open information management system for mine action."""

__version__ = "0.1.0"
