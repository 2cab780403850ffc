"""Translating an edition: the edition path, the memory, engines, models, the post-editing stages (adaptation, glossary) and human post-editing."""
