"""Writers for published editions (a pandoc-style writer per format).

    html.render_html(doc, lang, *, editions, published, original_href, model=None) -> str
    html.render_index(title, slug, editions_info, published) -> str
    pdf.render_pdf(html, *, base_url=None, lang, title, published) -> bytes
    textlayer.text_layer_share(pdf, expected_text) -> {"pdftotext": float, "pypdf": float}
    textlayer.font_coverage(text, lang) -> [characters the edition's fonts lack]

Support modules: l10n (Babel dates, numbers, sizes in the edition's digits;
the gettext catalogues), fonts (the packaged faces of each edition), webfonts
(their WOFF2 subsets for the HTML pages) and webfont_prebuild (those subsets
made in advance: prebuilt-webfonts/ ships in the wheel), bidi (runs that need
their own element in mixed-direction text), page (the A4 page's margins, shared
with the layout check). Nothing heavy is imported here: pdf imports WeasyPrint.
"""
