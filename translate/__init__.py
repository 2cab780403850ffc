"""Offline translation and publishing of news articles (see README.md)."""

__version__ = "0.1.0"
