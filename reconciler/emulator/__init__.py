"""The bundled AgentCore emulator: moto plus the project's corrections, and AWS Agent Registry.

`install()` swaps moto's bedrock-agentcore-control backend for the emulator's, registers the
AWS Agent Registry service (both of its clients, reconciler.emulator.registry_api), refuses the
preview registry operations (reconciler.emulator.preview) and has STS AssumeRole check the trust
policies of roles its IAM knows (reconciler.emulator.sts), for both in-process mocking
(`moto.mock_aws`) and moto's HTTP server.

May import: moto, botocore, the mcp SDK, and of the product only the model reader (reconciler.aws_model) and the
errors: it decides every outcome by its own rules, so it can catch the product's mistakes (an import contract in
pyproject.toml and tests/emulator/test_imports.py check it).
"""

from __future__ import annotations

import moto.bedrockagentcore.urls as moto_data_urls
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
        from moto.bedrockagentcore.responses import BedrockAgentCoreResponse

        from reconciler.emulator.models import EmulatorBackend
        from reconciler.emulator.preview import refusing
        from reconciler.emulator.registry_api import install_agent_registry
        from reconciler.emulator.responses import EmulatorResponse
        from reconciler.emulator.sts import install_trust_checks

        original = getattr(moto_models, BACKENDS_NAME)
        _installed = BackendDict(
            EmulatorBackend,
            "bedrock-agentcore-control",
            use_boto3_regions=False,
            additional_regions=original._additional_regions,
        )
        for module in (moto_service, moto_models, moto_responses):
            setattr(module, BACKENDS_NAME, _installed)
        setattr(moto_responses, "BedrockAgentCoreControlResponse", EmulatorResponse)  # used by moto's server to find actions
        data_plane = refusing(BedrockAgentCoreResponse)  # moto's data plane, less the preview SearchRegistryRecords
        moto_data_urls.url_paths = {path: data_plane.dispatch for path in moto_data_urls.url_paths}
        install_agent_registry()
        install_trust_checks()
    return _installed


def all_backends() -> Iterator[Any]:
    """Every emulator backend created so far, across accounts and regions (for the data plane)."""
    if _installed is None:
        return iter(())
    return (backend for regions in list(_installed.values()) for backend in list(regions.values()))
