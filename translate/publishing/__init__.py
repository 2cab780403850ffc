"""Publishing: translated editions become the files of output/<slug>/ and the site.

    run               a publish run over many articles (one article is a run of one):
                      decide under each lock, translate language by language,
                      render in worker processes, write under each lock again
    cluster           steps 2 and 3 of a run on a Ray cluster (publish --cluster)
    cluster_worker    what runs on the cluster's workers: a model's actor, the page task
    article_editions  one article's editions: carried over or translated, then written
    article_folder    the article's folder: staging, lock, manifest, SHA256SUMS, index
    unchanged         an unchanged article recognised without reading its Markdown
    fingerprints      what of the installed tool an edition depends on
    run_guard         one article's failure never stops or overwrites another
    writers           the md / html / pdf table
    render/           the writers themselves (HTML, PDF, Markdown), fonts, locale data
    checks/           the check stage: every edition and format checked before it is written
                      (structure, glyphs, text layer, layout); translate doctor runs it too
    site              the site over all articles: indexes and feeds
"""
