"""Small builders shared by the plan/apply tests."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from reconciler.apply import ApplyResult
from reconciler.aws import Api
from reconciler.cli import cli
from reconciler.deployments import load_desired_state
from reconciler.desired import DesiredState
from reconciler.drift import DriftReport, drift_report
from reconciler.manager import DeploymentPlan, Manager, PlanRequest
from reconciler.plan import Plan
from tests.conftest import FAST

ROLE = "arn:aws:iam::123456789012:role/gw"
SECRETS = {"CLIENT_SECRET": "s3cr3t-client-value", "VENDOR_KEY": "vendor-key-value-42"}

BASE = f"""\
registry: test-registry
region: us-east-1
tags: {{team: platform}}
authorizers:
  jwt:
    authorizerType: CUSTOM_JWT
    authorizerConfiguration:
      customJWTAuthorizer:
        discoveryUrl: https://idp.example.com/.well-known/openid-configuration
        allowedClients: [client-a, client-b, client-c]
credentialProviders:
  m2m:
    oauth2:
      credentialProviderVendor: CustomOauth2
      oauth2ProviderConfigInput:
        customOauth2ProviderConfig:
          oauthDiscovery: {{discoveryUrl: https://idp.example.com/.well-known/openid-configuration}}
          clientId: client-id
          clientSecret: ${{env:CLIENT_SECRET}}
  vendor:
    apiKey:
      apiKey: ${{env:VENDOR_KEY}}
gateways:
  main:
    description: Main gateway
    roleArn: {ROLE}
    authorizer: jwt
    protocolConfiguration:
      mcp: {{supportedVersions: ["2025-03-26", "2025-06-18"], searchType: SEMANTIC}}
    targets:
      orders:
        targetConfiguration:
          mcp: {{mcpServer: {{endpoint: "https://orders.example.com/mcp"}}}}
        credentialProviderConfigurations:
          - credentialProviderType: OAUTH
            credentialProvider:
              oauthCredentialProvider: {{provider: m2m, scopes: [a/invoke, b/invoke]}}
      weather:
        targetConfiguration:
          mcp: {{mcpServer: {{endpoint: "https://weather.example.com/mcp"}}}}
        credentialProviderConfigurations:
          - credentialProviderType: API_KEY
            credentialProvider:
              apiKeyCredentialProvider: {{provider: vendor, credentialParameterName: x-api-key, credentialLocation: HEADER}}
      holidays:
        targetConfiguration:
          mcp:
            lambda:
              lambdaArn: arn:aws:lambda:us-east-1:123456789012:function:holidays
              toolSchema:
                inlinePayload:
                  - {{name: a, description: A, inputSchema: {{type: object}}}}
                  - {{name: b, description: B, inputSchema: {{type: object}}}}
        credentialProviderConfigurations:
          - credentialProviderType: GATEWAY_IAM_ROLE
"""


def registry_from(tmp_path: Path, text: str = BASE, env: dict[str, str] | None = None, name: str = "gateways.yaml") -> DesiredState:
    path = tmp_path / name
    path.write_text(text)
    return load_desired_state([str(tmp_path)], environ={**SECRETS, **(env or {})})


def planned(api: Api, registry: DesiredState, adopt: bool = False, force: bool = False, refresh: bool = False) -> DeploymentPlan:
    """The registry's plan as every command makes it (the Manager: cache, ownership confirmation, records)."""
    return Manager(_quiet).compute(PlanRequest(registry.files, adopt=adopt, force=force, refresh=refresh), registry, api)


def plan_for(api: Api, registry: DesiredState, adopt: bool = False, force: bool = False) -> Plan:
    return planned(api, registry, adopt, force).plan


def drift_of(api: Api, registry: DesiredState) -> DriftReport:
    """What `reconcile drift` reports (it reads everything in full: drift trusts no cache)."""
    computed = planned(api, registry, refresh=True)
    return drift_report(computed.plan, computed.live.resources)


def converge(api: Api, registry: DesiredState) -> ApplyResult:
    result = Manager(_quiet).converge(planned(api, registry), FAST)
    assert result.ok, result.report()
    return result


def _quiet(line: str) -> None:
    """Progress the tests do not look at."""


def actions(plan: Plan) -> dict[str, str]:
    return {c.address: c.action for c in plan.changes}


def lambda_targets(count: int, prefix: str = "t") -> str:
    """YAML lines for `count` Lambda targets (no synchronization), indented for a gateway's `targets:`."""
    arn = "arn:aws:lambda:us-east-1:123456789012:function:tool"
    schema = "{inlinePayload: [{name: run, description: Run, inputSchema: {type: object}}]}"
    return "".join(
        f"      {prefix}{i}:\n        targetConfiguration: {{mcp: {{lambda: {{lambdaArn: {arn}, toolSchema: {schema}}}}}}}\n"
        f"        credentialProviderConfigurations: [{{credentialProviderType: GATEWAY_IAM_ROLE}}]\n"
        for i in range(count)
    )


def fleet(count: int, head: str = "") -> str:
    """A registry of one AWS_IAM gateway `fleet` with `count` Lambda targets; `head` adds top-level YAML."""
    return (
        f"registry: test-registry\nregion: us-east-1\n{head}gateways:\n  fleet:\n    roleArn: {ROLE}\n"
        f"    authorizerType: AWS_IAM\n    targets:\n{lambda_targets(count)}"
    )


def reconcile(*args: str, env: dict[str, str] | None = None) -> Result:
    """The `reconcile` CLI in-process (inside the emulator fixture), with the test secrets in its environment."""
    return CliRunner().invoke(cli, list(args), env={**SECRETS, **(env or {})}, catch_exceptions=False)


MCP_VERSIONS = '["2025-03-26", "2025-06-18"]'


def mcp_registry(targets: dict[str, str], head: str = "", credentials: dict[str, str] | None = None,
                 gateway: str = "    authorizerType: AWS_IAM\n", expect: dict[str, list[str]] | None = None) -> str:
    """A registry of one gateway `tools` with an MCP-server target per name -> endpoint.

    `credentials`: target -> one credentialProviderConfigurations entry as flow YAML; `head`: top-level YAML;
    `gateway`: the gateway's authorizer (and other) lines; `expect`: target -> expectTools.
    """
    credentials, expect = credentials or {}, expect or {}
    lines = "".join(
        f"      {name}:\n        targetConfiguration: {{mcp: {{mcpServer: {{endpoint: \"{url}\"}}}}}}\n"
        + (f"        credentialProviderConfigurations: [{credentials[name]}]\n" if name in credentials else "")
        + (f"        expectTools: [{', '.join(expect[name])}]\n" if name in expect else "")
        for name, url in targets.items()
    )
    return (f"registry: mcp-test\nregion: us-east-1\n{head}gateways:\n  tools:\n    roleArn: {ROLE}\n{gateway}"
            f"    protocolConfiguration: {{mcp: {{supportedVersions: {MCP_VERSIONS}, searchType: SEMANTIC}}}}\n    targets:\n{lines}")
