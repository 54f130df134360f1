"""The boto3 floor in pyproject.toml has every operation the project calls, in the oldest allowed version's models.

The operations are found in the product's own code (each kind's operations, and every other call it makes), so a
new call that an older botocore lacks fails here, not on a user's machine with that botocore.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import tomllib
import zipfile
from functools import lru_cache
from pathlib import Path

import botocore.session
import pytest

from reconciler.aws import TAGGING_SERVICE
from reconciler.aws_model import DISCOVERY_SERVICE, REGISTRY_SERVICE, SERVICE
from reconciler.kinds import AGENT_REGISTRY, KINDS

ROOT = Path(__file__).resolve().parents[1]
# The registry members the README documents for `agentRegistries.NAME`.
DOCUMENTED_REGISTRY_MEMBERS = {"description", "approvalConfiguration", "discoveryConfiguration", "encryptionConfiguration",
                               "customMetadataSchemaConfiguration"}
SNAKE_CALL = re.compile(r"""\.call\(\s*"([a-z_]+)"|call_client\([\w.]+,\s*"([a-z_]+)"|list_all\(\s*"([a-z_]+)\"""")
# A name in both control planes is the GA one: the preview registry operations are never called (the emulator counts them).
CALLED_SERVICES = (REGISTRY_SERVICE, SERVICE, DISCOVERY_SERVICE, TAGGING_SERVICE, "sts", "s3")
MODEL_CALL = re.compile(r"""call\(api,\s*"([A-Z][A-Za-z]+)\"""")


def floor() -> str:
    requirement = next(r for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
                       if r.startswith("boto3"))
    found = re.search(r">=\s*([0-9.]+)", requirement)
    assert found, f"boto3 has no floor: {requirement}"
    return found.group(1)


def called_operations() -> dict[str, set[str]]:
    """Service -> model operation names the product calls (the emulator is not the product)."""
    wanted: dict[str, set[str]] = {}
    for kind in KINDS.values():
        operations = {getattr(kind, f"{verb}_operation", None) for verb in ("create", "read", "update", "delete", "list", "batch")} - {None}
        wanted.setdefault(kind.service, set()).update(operations)  # type: ignore[arg-type]
        if kind.taggable:
            wanted[kind.service] |= {"TagResource", "UntagResource", "ListTagsForResource"}
    for path in (ROOT / "reconciler").rglob("*.py"):
        if "emulator" in path.parts:
            continue
        text = path.read_text()
        names = [m.group(1) for m in MODEL_CALL.finditer(text)]
        names += [next(g for g in m.groups() if g) for m in SNAKE_CALL.finditer(text)]
        for name in names:
            service = next((s for s in CALLED_SERVICES if _operation(s, name)), None)
            assert service is not None, f"{path.name}: {name} is no operation of the services the project uses"
            wanted.setdefault(service, set()).add(_operation(service, name))  # type: ignore[arg-type]
    return wanted


@lru_cache(maxsize=None)
def _operations(service: str) -> dict[str, str]:
    model = botocore.session.get_session().get_service_model(service)
    return {botocore.xform_name(name): name for name in model.operation_names}


def _operation(service: str, name: str) -> str | None:
    """The model's name of an operation given as a boto3 method name or as the model's own name."""
    operations = _operations(service)
    return operations.get(name) or (name if name in operations.values() else None)


def test_the_installed_botocore_has_every_operation_the_project_calls() -> None:
    for service, operations in called_operations().items():
        missing = operations - set(_operations(service).values())
        assert not missing, f"{service}: {sorted(missing)}"
    assert "SearchDiscoverableRegistryRecords" in called_operations()[DISCOVERY_SERVICE]


@pytest.fixture(scope="module")
def floor_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:  # type: ignore[type-arg]
    """The service models of the oldest botocore the boto3 floor allows, from its wheel (the package index)."""
    version = floor()  # boto3 X.Y.Z requires botocore >= X.Y.Z
    folder = tmp_path_factory.mktemp("floor")
    fetched = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", f"botocore=={version}", "-d", str(folder)],
                             capture_output=True, text=True, timeout=300)
    if fetched.returncode != 0:
        pytest.skip(f"botocore {version} cannot be fetched from the package index here: {fetched.stderr.strip()[-200:]}")
    wheel = zipfile.ZipFile(next(folder.glob("botocore-*.whl")))
    models = {}
    for service in (SERVICE, REGISTRY_SERVICE, DISCOVERY_SERVICE, TAGGING_SERVICE):
        name = max(n for n in wheel.namelist() if re.fullmatch(rf"botocore/data/{service}/[^/]+/service-2\.json(\.gz)?", n))
        raw = wheel.read(name)
        models[service] = json.loads(gzip.decompress(raw) if name.endswith(".gz") else raw)
    return models


def test_the_boto3_floor_has_every_operation_the_project_calls(floor_models: dict[str, dict]) -> None:  # type: ignore[type-arg]
    for service, operations in called_operations().items():
        if service in floor_models:
            missing = operations - set(floor_models[service]["operations"])
            assert not missing, f"botocore {floor()} lacks {service} {sorted(missing)}: raise the boto3 floor"
    registry = floor_models[REGISTRY_SERVICE]
    create = registry["shapes"][registry["operations"][KINDS[AGENT_REGISTRY].create_operation]["input"]["shape"]]
    assert DOCUMENTED_REGISTRY_MEMBERS <= set(create["members"]), f"botocore {floor()} lacks documented registry members"
