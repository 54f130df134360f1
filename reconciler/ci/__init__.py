"""Helpers the packaged GitHub Action (action.yml) runs. May import: the standard library only (they run on a bare runner)."""
