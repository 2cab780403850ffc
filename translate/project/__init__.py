"""The project folder a command works on, and the places the tool reads from.

    folder        finding the project (like git: the nearest translate.toml), output/.work/
    config        translate.toml: which engine and model serve each language
    resources     the tool's packaged data (templates, catalogues, built-in
                  glossaries), overridden by the project's locales/
    languages     the language table: keys, Babel locales, model codes, scripts
    user_folders  the user's own folders: models, memory, font cache, keys
"""
