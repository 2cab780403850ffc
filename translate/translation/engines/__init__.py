"""Engines: a model that turns source segments into target segments.

base.py the interface; ct2.py what every CTranslate2 engine shares (batching,
tokenisation, alignment, scoring); argos.py Argos packages; multilingual.py
NLLB-200 / M2M-100. Engines are leaves: which engine serves a language is
translate.translation.models.routing's business.
"""
