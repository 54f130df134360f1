"""The GA Agent Registry clients on the in-process emulator: control plane (registries, records) and discovery."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from reconciler.aws_model import DISCOVERY_SERVICE, REGISTRY_SERVICE
from tests.conftest import REGION


@pytest.fixture
def registries(emulator: None) -> Any:
    return boto3.client(REGISTRY_SERVICE, region_name=REGION)


@pytest.fixture
def discovery(emulator: None) -> Any:
    return boto3.client(DISCOVERY_SERVICE, region_name=REGION)
