"""The bundled AgentCore control-plane emulator: moto plus the project's corrections.

`install()` swaps moto's bedrock-agentcore-control backend for the emulator's,
for both in-process mocking (`moto.mock_aws`) and moto's HTTP server.
"""

from __future__ import annotations

import moto.bedrockagentcorecontrol as moto_service
import moto.bedrockagentcorecontrol.models as moto_models
import moto.bedrockagentcorecontrol.responses as moto_responses
from typing import Any, Iterator

from moto.core.base_backend import BackendDict

BACKENDS_NAME = "bedrockagentcorecontrol_backends"
_installed: BackendDict | None = None


def install() -> BackendDict:
    """Register the emulator backend with moto (idempotent); returns its BackendDict."""
    global _installed
    if _installed is None:
        from reconciler.emulator.agent_registry import install_search
        from reconciler.emulator.models import EmulatorBackend
        from reconciler.emulator.responses import EmulatorResponse

        original = getattr(moto_models, BACKENDS_NAME)
        _installed = BackendDict(
            EmulatorBackend,
            "bedrock-agentcore-control",
            use_boto3_regions=False,
            additional_regions=original._additional_regions,
        )
        for module in (moto_service, moto_models, moto_responses):
            setattr(module, BACKENDS_NAME, _installed)
        moto_responses.BedrockAgentCoreControlResponse = EmulatorResponse  # used by moto's server to find actions
        install_search()  # the data plane's SearchRegistryRecords
    return _installed


def all_backends() -> Iterator[Any]:
    """Every emulator backend created so far, across accounts and regions (for the data plane)."""
    if _installed is None:
        return iter(())
    return (backend for regions in list(_installed.values()) for backend in list(regions.values()))
