"""Translating an edition: Document + language -> translated segments and a record.

    edition     the one path publish, review, glossary diff, export and evaluate
                take: Setup, plan (engine + stages), translate_edition
    memory      the translation memory (raw engine output, approved human text)
    records     what is recorded per segment for review, manifest and export
    review      the review of one edition: what the engine wrote, what changed
    adaptation  the Afghan Dari adaptation stage
    engines/    models that turn source segments into target segments (CTranslate2)
    models/     installed models: stores, installation, routing
    glossary/   the glossary stage: find terms, verify, repair
    postedit/   human post-editing: PO, XLIFF and TMX out and back in
"""
