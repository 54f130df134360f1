"""The observed-state cache: hits only on the List's very stamp, survives a restart, never keeps a secret, safe to lose."""

from __future__ import annotations

import gzip
import json
import os
import stat
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

from reconciler.observed import CACHE_DIR_VARIABLE, FORMAT_VERSION, ObservedCache, cache_root

GATEWAY, TARGET, API_KEY = "gateway", "target", "api-key-credential-provider"
SECRETS = {
    GATEWAY: set(),
    TARGET: {("credentialProviderConfigurations", "credentialProvider", "apiKeyCredentialProvider", "apiKey")},
    API_KEY: {("apiKey",)},
}
STAMP = datetime(2025, 11, 26, 9, 30, 1, 123456, tzinfo=timezone.utc)
LATER = datetime(2025, 11, 26, 9, 31, 0, tzinfo=timezone.utc)
BODY = {"description": "orders", "authorizerType": "NONE", "allowedClients": ["a", "b"], "limit": 3, "on": True}


def opened(folder: Path, warnings: list[str] | None = None, registry: str = "platform", region: str = "us-east-1",
           account: str = "123456789012") -> ObservedCache:
    warn: Callable[[str], None] = (warnings if warnings is not None else []).append
    return ObservedCache.open(registry, region, account, folder, secrets=SECRETS, warn=warn)


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_hit_needs_the_very_stamp_the_list_shows(tmp_path: Path) -> None:
    cache = opened(tmp_path)
    assert cache.store(GATEWAY, "orders-abc1234567", STAMP, BODY)
    assert cache.lookup(GATEWAY, "orders-abc1234567", STAMP) == BODY
    assert cache.lookup(GATEWAY, "orders-abc1234567", LATER) is None  # changed since: read it again
    assert cache.lookup(GATEWAY, "orders-abc1234567", None) is None  # a List that carries no stamp vouches for nothing
    assert cache.lookup(TARGET, "orders-abc1234567", STAMP) is None  # kinds do not share ids


def test_what_lookup_returns_is_a_copy(tmp_path: Path) -> None:
    cache = opened(tmp_path)
    body = json.loads(json.dumps(BODY))
    cache.store(GATEWAY, "g1", STAMP, body)
    body["allowedClients"].append("stored-then-changed-by-the-caller")
    found = cache.lookup(GATEWAY, "g1", STAMP)
    assert found == BODY
    found["allowedClients"].clear()
    assert cache.lookup(GATEWAY, "g1", STAMP) == BODY


def test_a_saved_cache_is_found_again_by_the_next_run(tmp_path: Path) -> None:
    cache = opened(tmp_path)
    cache.store(GATEWAY, "g1", STAMP, BODY)
    cache.save()
    again = opened(tmp_path)
    assert again.lookup(GATEWAY, "g1", STAMP) == BODY
    assert again.lookup(GATEWAY, "g1", STAMP.isoformat()) == BODY  # a stamp given as text is the same stamp


def test_registries_regions_and_accounts_never_share_entries(tmp_path: Path) -> None:
    cache = opened(tmp_path)
    cache.store(GATEWAY, "g1", STAMP, BODY)
    cache.save()
    assert opened(tmp_path, registry="other").lookup(GATEWAY, "g1", STAMP) is None
    assert opened(tmp_path, region="eu-west-1").lookup(GATEWAY, "g1", STAMP) is None
    assert opened(tmp_path, account="http://127.0.0.1:4566").lookup(GATEWAY, "g1", STAMP) is None
    assert opened(tmp_path).lookup(GATEWAY, "g1", STAMP) == BODY


def test_a_file_copied_under_another_scope_is_not_trusted(tmp_path: Path) -> None:
    cache = opened(tmp_path)
    cache.store(GATEWAY, "g1", STAMP, BODY)
    cache.save()
    other = opened(tmp_path, registry="other")
    cache.path.rename(other.path)
    warnings: list[str] = []
    assert opened(tmp_path, warnings, registry="other").lookup(GATEWAY, "g1", STAMP) is None
    assert len(warnings) == 1 and "scope" in warnings[0]


def _write_raw(cache: ObservedCache, data: bytes) -> None:
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_bytes(data)


def _document(**changes: Any) -> bytes:
    document = {"version": FORMAT_VERSION, "scope": {"registry": "platform", "region": "us-east-1", "account": "123456789012"},
                "entries": {GATEWAY: {"g1": [STAMP.isoformat(), json.dumps(BODY)]}}} | changes
    return gzip.compress(json.dumps(document).encode())


@pytest.mark.parametrize("data", [
    pytest.param(b"not gzip at all", id="not-gzip"),
    pytest.param(_document()[:-12], id="truncated"),
    pytest.param(gzip.compress(b"{not json"), id="not-json"),
    pytest.param(gzip.compress(b"[1, 2]"), id="not-an-object"),
    pytest.param(_document(version=FORMAT_VERSION - 1), id="older-version"),
    pytest.param(_document(entries={GATEWAY: {"g1": "no stamp"}}), id="malformed-entry"),
    pytest.param(_document(entries={GATEWAY: {"g1": [STAMP.isoformat(), "{not json"]}}), id="description-not-json"),
    pytest.param(_document(entries={GATEWAY: {"g1": [STAMP.isoformat(), BODY]}}), id="description-not-text"),
])
def test_a_bad_file_is_an_empty_cache_with_one_warning(tmp_path: Path, data: bytes) -> None:
    _write_raw(opened(tmp_path), data)
    warnings: list[str] = []
    cache = opened(tmp_path, warnings)
    assert cache.lookup(GATEWAY, "g1", STAMP) is None
    assert len(warnings) == 1 and str(cache.path) in warnings[0]
    cache.store(GATEWAY, "g1", STAMP, BODY)
    cache.save()  # the next save replaces it with a sound file
    assert opened(tmp_path).lookup(GATEWAY, "g1", STAMP) == BODY


def test_a_bad_file_is_replaced_even_by_a_run_that_read_nothing(tmp_path: Path) -> None:
    _write_raw(opened(tmp_path), _document(version=FORMAT_VERSION - 1))  # left by an older version of the tool
    opened(tmp_path, []).save()
    warnings: list[str] = []
    opened(tmp_path, warnings)
    assert warnings == []  # said once, not at every run until something is stored


def test_the_sound_file_the_bad_ones_derive_from_is_read(tmp_path: Path) -> None:
    _write_raw(opened(tmp_path), _document())
    warnings: list[str] = []
    assert opened(tmp_path, warnings).lookup(GATEWAY, "g1", STAMP) == BODY and warnings == []


def test_no_file_yet_is_an_empty_cache_without_warning(tmp_path: Path) -> None:
    warnings: list[str] = []
    assert opened(tmp_path / "new", warnings).lookup(GATEWAY, "g1", STAMP) is None
    assert warnings == []


def test_secret_members_are_stripped_before_anything_is_kept(tmp_path: Path) -> None:
    target = {
        "description": "search",
        "credentialProviderConfigurations": [
            {"credentialProviderType": "API_KEY",
             "credentialProvider": {"apiKeyCredentialProvider": {"providerArn": "arn:p", "apiKey": "sk-live-SECRET"}}},
        ],
    }
    cache = opened(tmp_path)
    assert cache.store(TARGET, "t1", STAMP, target)
    assert cache.store(API_KEY, "p1", STAMP, {"apiKey": "sk-live-SECRET", "other": 1})
    cache.save()
    assert b"SECRET" not in gzip.decompress(cache.path.read_bytes())
    kept = opened(tmp_path).lookup(TARGET, "t1", STAMP)
    assert kept is not None
    assert kept["credentialProviderConfigurations"][0]["credentialProvider"] == {"apiKeyCredentialProvider": {"providerArn": "arn:p"}}
    assert target["credentialProviderConfigurations"][0]["credentialProvider"]["apiKeyCredentialProvider"]["apiKey"] == "sk-live-SECRET"


def test_a_kind_without_known_secret_paths_is_refused(tmp_path: Path) -> None:
    cache = opened(tmp_path)
    assert not cache.store("policy-engine", "pe1", STAMP, {"description": "x"})
    assert cache.lookup("policy-engine", "pe1", STAMP) is None


@pytest.mark.parametrize("value", [datetime(2025, 1, 1), b"bytes", {1: "int key"}, {"a", "set"}])
def test_a_value_json_cannot_give_back_unchanged_is_refused_and_the_old_entry_forgotten(tmp_path: Path, value: Any) -> None:
    cache = opened(tmp_path)
    cache.store(GATEWAY, "g1", STAMP, BODY)
    assert not cache.store(GATEWAY, "g1", LATER, {"description": "x", "odd": value})
    assert cache.lookup(GATEWAY, "g1", STAMP) is None and cache.lookup(GATEWAY, "g1", LATER) is None


def test_a_description_without_stamp_is_not_kept(tmp_path: Path) -> None:
    cache = opened(tmp_path)
    cache.store(GATEWAY, "g1", STAMP, BODY)
    assert not cache.store(GATEWAY, "g1", None, BODY)
    assert cache.lookup(GATEWAY, "g1", STAMP) is None


def test_save_keeps_only_what_this_run_saw_unless_told_otherwise(tmp_path: Path) -> None:
    first = opened(tmp_path)
    for ident in ("g1", "g2", "g3"):
        first.store(GATEWAY, ident, STAMP, BODY)
    first.save()
    partial = opened(tmp_path)
    assert partial.lookup(GATEWAY, "g1", STAMP) == BODY
    partial.save(prune=False)  # a run that read part of the registry keeps the rest
    full = opened(tmp_path)
    assert full.lookup(GATEWAY, "g2", STAMP) == BODY and full.lookup(GATEWAY, "g3", LATER) is None
    full.save()  # g3 was listed with another stamp and g1 not at all: both drop out
    kept = opened(tmp_path)
    assert set(kept.entries[GATEWAY]) == {"g2"} and kept.lookup(GATEWAY, "g2", STAMP) == BODY


def test_forget_drops_an_entry(tmp_path: Path) -> None:
    cache = opened(tmp_path)
    cache.store(GATEWAY, "g1", STAMP, BODY)
    cache.save()
    again = opened(tmp_path)
    again.forget(GATEWAY, "g1")
    again.save(prune=False)
    assert opened(tmp_path).lookup(GATEWAY, "g1", STAMP) is None


def test_saving_is_atomic_private_and_skipped_when_nothing_changed(tmp_path: Path) -> None:
    cache = opened(tmp_path)
    cache.store(GATEWAY, "g1", STAMP, BODY)
    cache.save()
    assert cache_files(tmp_path) == [cache.path]  # no temporary file left behind
    assert stat.S_IMODE(cache.path.stat().st_mode) == 0o600
    written = cache.path.stat().st_mtime_ns
    again = opened(tmp_path)
    again.lookup(GATEWAY, "g1", STAMP)
    os.utime(cache.path, ns=(0, 0))
    again.save()
    assert cache.path.stat().st_mtime_ns == 0 != written  # untouched


def test_a_cache_that_cannot_be_written_is_a_warning(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    warnings: list[str] = []
    cache = opened(blocker / "cache", warnings)
    cache.store(GATEWAY, "g1", STAMP, BODY)
    cache.save()
    assert len(warnings) == 1 and str(cache.path) in warnings[0]  # once: not again when saving fails too
    cache.save()
    assert len(warnings) == 1


def test_cache_root_prefers_the_flag_then_the_environment_then_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(CACHE_DIR_VARIABLE, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_root() == tmp_path / "home" / ".cache" / "agentcore-reconciler"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec: relative paths are invalid
    assert cache_root() == tmp_path / "home" / ".cache" / "agentcore-reconciler"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "agentcore-reconciler"
    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path / "ci-cache"))
    assert cache_root() == tmp_path / "ci-cache"
    assert cache_root(tmp_path / "flag") == tmp_path / "flag"


def test_a_console_edit_moves_the_stamp_the_list_shows(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Against the emulator: the List's updatedAt after an update made outside the reconciler misses the cache."""
    created = client.create_gateway(name="orders", roleArn="arn:aws:iam::123456789012:role/r", authorizerType="NONE",
                                    protocolType="MCP", description="before")
    ident = created["gatewayId"]
    listed = client.list_gateways()["items"][0]
    cache = opened(tmp_path)
    assert cache.store(GATEWAY, ident, listed["updatedAt"], {"description": "before"})
    cache.save()
    client.update_gateway(gatewayIdentifier=ident, name="orders", roleArn="arn:aws:iam::123456789012:role/r",
                          authorizerType="NONE", protocolType="MCP", description="edited in the console")
    relisted = client.list_gateways()["items"][0]
    again = opened(tmp_path)
    assert again.lookup(GATEWAY, ident, listed["updatedAt"]) == {"description": "before"}
    assert again.lookup(GATEWAY, ident, relisted["updatedAt"]) is None
