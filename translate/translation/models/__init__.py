"""Installed translation models: the two stores and which model serves a language.

store.py     the ModelStore protocol and what both stores share (errors, results)
argos.py     Argos packages (English → one language each)
multilingual.py  NLLB-200 / M2M-100 models converted to CTranslate2
install.py   staging, safe folder copy, the swap into place, shared checks
archive.py   safe extraction of model archives
download.py  downloads with size and checksum checks
routing.py   which engine and model serve each project language
shipment.py  a model sent to a machine without the same files, checked by its fingerprint

``routing.STORES`` names the store classes by the engine that runs their
models; `translate models ...` walks it. This file imports nothing, so that
importing one store does not import the other.
"""
