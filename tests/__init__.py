"""This repository's tests, a regular package on purpose.

argos-translate-lt (the torch-free argostranslate) installs a top-level
``tests`` package of its own into site-packages. A folder without
__init__.py loses to any regular package of the same name on sys.path, so
``import tests`` and ``pytest --pyargs tests`` would reach that one; as a
regular package, ours is found first wherever the repository is on sys.path
first (pytest puts the rootdir there, ``python -m`` the current folder).
tests/test_packaging.py checks it.
"""
