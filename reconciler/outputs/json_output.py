"""The contract's plan JSON (format_version 1)."""

from __future__ import annotations

import json

from reconciler.plan import Plan


def render_json(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
