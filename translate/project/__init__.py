"""The project folder a command works on: finding it, its translate.toml, the tool's packaged data, the languages."""
