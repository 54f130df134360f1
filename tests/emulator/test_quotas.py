"""Quotas as JSON (the emulator's /_emulator/quotas body): the same keys and checks as RECONCILER_EMULATOR_QUOTAS."""

from __future__ import annotations

import pytest

from reconciler.emulator.quotas import Quotas, parse_quotas, quotas_from_json
from reconciler.errors import ConfigError


@pytest.mark.parametrize("spec", ["reads=10,writes=5,latency=0.05", "reads=50,target-writes=0", "latency=0.2", ""])
def test_quotas_written_as_json_read_back_the_same(spec: str) -> None:
    written = parse_quotas(spec).as_json()
    assert quotas_from_json(written).as_json() == written


def test_a_key_left_out_or_null_is_no_quota() -> None:
    assert quotas_from_json({"reads": 50, "writes": None}) == Quotas(reads=50)
    assert quotas_from_json({}).as_json() == {"reads": None, "writes": None, "latency": None, "target-writes": 0}


@pytest.mark.parametrize(("document", "line"), [
    ({"reads": True}, "quota 'reads=true': not a number"),
    ({"latency": [0.1]}, "quota 'latency=[0.1]': not a number"),
    ({"target-writes": 2.5}, "quota 'target-writes=2.5': not a number"),
    ("reads=5", "quotas: expected a JSON object of reads, writes, latency, target-writes, got str"),
])
def test_a_bad_json_quota_is_one_clear_line(document: object, line: str) -> None:
    with pytest.raises(ConfigError) as caught:
        quotas_from_json(document)
    assert str(caught.value) == line
