"""The command line: `main` (the verb table, errors as one line), `options` (shared options), one module per verb."""
