"""Helpers the packaged GitHub Action (action.yml) runs."""
