"""Measuring translation quality against reference translations (`translate evaluate`).

    --src FILE, --ref KEY=FILE ──testset: read and checked──▶ TestSet: units (one line of a
        text file as FLORES ships it, or one block of a Markdown article) and their references
    ──translate.translation.edition (exactly as publish: routing, memory, adaptation, glossary,
        script check)──▶ one EditionRecord per engine configuration
    ──measure: read at a stage (raw engine output, after adaptation, final)──▶ a system's hypotheses
    ──sacrebleu──▶ chrF++ and BLEU with their signatures, paired bootstrap resampling
    ──the glossary──▶ term accuracy of every system and of the reference itself

Nothing here prints or writes files: the command (translate.cli.evaluate) does.
"""
