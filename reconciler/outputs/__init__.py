"""Plan renderers, one module each; `RENDERERS` maps a --format name to its function.

May import: the plan, drift and search reports and what they are made of; nothing that calls AWS or writes."""

from __future__ import annotations

from typing import Callable

from reconciler.outputs.json_output import render_json
from reconciler.outputs.markdown import render_markdown
from reconciler.outputs.text import render_text
from reconciler.plan import Plan

Renderer = Callable[[Plan], str]
RENDERERS: dict[str, Renderer] = {"text": render_text, "json": render_json, "markdown": render_markdown}
