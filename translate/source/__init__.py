"""Reading an article: English Markdown in, a Document out.

    article          the file's checks (size, encoding, controls), then the reader
    markdown_reader  Markdown with a small front matter -> Document
    media            the images beside an article, checked and content-hashed
    document         the document model every stage takes and returns
    inline           inline marks across translation: what the engine sees, marks put back
"""
