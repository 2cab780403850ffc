"""Installed as ``translate.locales`` (see pyproject.toml): the page
catalogues, built-in glossaries and Dari adaptation rules, read through
translate/project/resources.py. This file only makes the folder a package."""
