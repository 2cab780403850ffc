"""The editor's desk: `translate desk`, a local web application over the
project folder (review, correct and approve sentences, glossary changes,
publish), served on loopback with a token.

Modules, one concern each:

    security   the token, the CSRF token, the Host check, the response headers (plain ASGI)
    workspace  the project as the desk sees it: articles, statuses, editions, saving approvals
    sentences  one edition sentence by sentence: English, machine, final, approved, terms
    glossary   the glossary page: a term edited or a file loaded, every sentence it changes, saving
    jobs       publishing an article from the desk through publish_many, with progress
    pages      the Jinja2 templates (translate/templates/desk_*.html) filled in
    app        the routes (Starlette) and the packaged assets
    server     binding to loopback, the URL with its token, uvicorn, Ctrl-C
"""
