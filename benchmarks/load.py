"""Load-path harness (not a test): how fast `reconcile validate` reads a large registry, and how hostile files are refused.

    .venv/bin/python benchmarks/load.py [--gateways 100] [--targets 100] [--rich] [--json results.json]

Writes, in a temporary folder, one registry file of GATEWAYS x TARGETS targets
(100 x 100: 10,100 resources, the one-file case of issue 8) and the hostile
files of issue 9, then runs `reconcile validate -f FILE` on each in a fresh
process and prints its wall and CPU time, peak memory (RSS), exit code and first
output line (cut). For the large file it also splits the time in-process:
reading and parsing with libyaml's events, the same with PyYAML's pure-Python
parser (the fallback), the compiled schema check, and the rest of the build.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reconciler.config import loader  # noqa: E402

ENVIRONMENT = {"BENCH_API_KEY": "bench-secret-value"}


def registry_text(gateways: int, targets: int, rich: bool) -> str:
    """One file of gateways with MCP targets: one line each (the file issue 8 measured), or `rich` ones that
    also have a description and use an API-key provider whose key comes from the environment."""
    lines = ["registry: bench", "region: us-east-1", "credentialProviders:", "  key:", "    apiKey:",
             "      apiKey: ${env:BENCH_API_KEY}", "gateways:"]
    for g in range(gateways):
        lines += [f"  gw{g}:", "    roleArn: arn:aws:iam::123456789012:role/r", "    authorizerType: NONE", "    targets:"]
        for t in range(targets):
            endpoint = f"targetConfiguration: {{mcp: {{mcpServer: {{endpoint: 'https://s{g}-{t}.example.com/mcp'}}}}}}"
            if not rich:
                lines.append(f"      t{t}: {{{endpoint}}}")
                continue
            lines += [f"      t{t}:", f"        description: target {t} of gateway {g}", f"        {endpoint}",
                      "        credentialProviderConfigurations:", "          - credentialProviderType: API_KEY",
                      "            credentialProvider: {apiKeyCredentialProvider: {provider: key}}"]
    return "\n".join(lines) + "\n"


def alias_bomb() -> Iterator[str]:
    """Billion laughs: nine levels of nine aliases each, a few hundred bytes, 10^9 nodes if expanded."""
    yield 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for previous, name in zip("abcdefgh", "bcdefghi"):
        yield f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"


def repeated(head: str, chunk: str, count: int, tail: str = "\n") -> Iterator[str]:
    """`head + chunk * count + tail` in pieces, so the harness itself stays small (its peak RSS is inherited by its children)."""
    yield head
    for _ in range(count // 10_000):
        yield chunk * 10_000
    yield chunk * (count % 10_000) + tail


def hostile_files(megabytes: int) -> dict[str, Callable[[], Iterator[str]]]:
    size = megabytes * 1024 * 1024
    under = loader.MAX_FILE_BYTES - 1024
    return {
        "alias bomb": alias_bomb,
        "10,000-deep flow nesting": lambda: iter(["registry: r\nx: ", "[" * 10_000, "]" * 10_000, "\n"]),
        "10,000-deep block nesting": lambda: iter(["- " * 10_000, "x\n"]),
        f"{megabytes} MB of keys": lambda: (f"k{i:09d}: {i:09d}\n" for i in range(size // 22)),
        f"{megabytes} MB value": lambda: repeated("registry: r\nregion: ", "x", size),
        "a list of 5M items (just under the size limit)": lambda: repeated("registry: r\nx: [", "1,", under // 2 - 20, "1]\n"),
        "a 10 MB value (just under the size limit)": lambda: repeated("registry: r\nregion: ", "x", under),
    }


def run_validate(path: Path) -> dict[str, Any]:
    """`reconcile validate -f PATH` in a fresh process: seconds, peak RSS and what it printed."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "reconciler", "validate", "-f", str(path)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, **ENVIRONMENT})
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    lines = output.decode(errors="replace").splitlines()
    return {"seconds": round(seconds, 3), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "exit": os.waitstatus_to_exitcode(status),
            "lines": len(lines), "longest_line": max(map(len, lines), default=0), "first_line": loader.clip(lines[0] if lines else "", 140)}


def timed(step: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = step()
    return round(time.perf_counter() - started, 3), result


def split_in_process(path: Path) -> dict[str, float]:
    """Seconds of each step of validating `path` in this process (the schema compiled before)."""
    from reconciler.config.validate import schema_problems
    from reconciler.desired import build

    schema_problems(loader.load([str(path)], ENVIRONMENT))  # compiles and caches the schema
    parse, document = timed(lambda: loader.load([str(path)], ENVIRONMENT))
    check, _ = timed(lambda: schema_problems(document))
    whole, _ = timed(lambda: build(document))
    compiled_parser = loader._Parser
    loader._Parser = loader.yaml.SafeLoader
    try:
        python_parse, _ = timed(lambda: loader.load([str(path)], ENVIRONMENT))
    finally:
        loader._Parser = compiled_parser
    return {"load (libyaml events)": parse, "load (pure-Python parser)": python_parse, "schema check": check,
            "build incl. schema check": whole}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateways", type=int, default=100)
    parser.add_argument("--targets", type=int, default=100)
    parser.add_argument("--rich", action="store_true", help="targets of six lines with a provider reference (3 MB at 100 x 100)")
    parser.add_argument("--megabytes", type=int, default=20, help="size of the oversized hostile files")
    parser.add_argument("--json", metavar="FILE", help="also write the results here")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "registry.yaml"
        big.write_text(registry_text(args.gateways, args.targets, args.rich))
        results[f"validate {args.gateways} x {args.targets} targets ({big.stat().st_size:,} bytes)"] = run_validate(big)
        results["validate gateways.yaml (the tutorial)"] = run_validate(ROOT / "gateways.yaml")
        for name, chunks in hostile_files(args.megabytes).items():
            path = Path(tmp) / "hostile.yaml"
            with path.open("w") as out:
                out.writelines(chunks())
            results[f"{name} ({path.stat().st_size:,} bytes)"] = run_validate(path)
        results["in-process split of the large file (seconds)"] = split_in_process(big)
    for name, result in results.items():
        print(f"{name}:\n  {json.dumps(result)}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
