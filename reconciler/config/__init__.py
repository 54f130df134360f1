"""The registry files: loading them (loader: YAML with the place of every node, `${env:}` provenance; history: the
same files at a git revision), and validating them (schema: the JSON Schema generated from botocore's models and the
kinds; checker: that schema compiled into predicates; validate: file:line messages).

May import: the loader, history and checker only the vocabulary and errors (they sit below the kinds); schema and
validate also the kinds and the model reader (they sit above them). Checked by the import contracts (pyproject.toml).
"""
