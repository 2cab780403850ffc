"""Human post-editing: editions out to translators, their approved sentences back in.

units     segments as translation units; the placeholder notation for inline marks
po        PO files (Babel)                 xliff   XLIFF 2.1 (xml.etree, defusedxml)
tmx       TMX 1.4b memories                exchange  building exports, checking returned files
human     approved human text in publishing; what an edition says it is
"""
