"""Credentials for MCP conversations, from the registry itself (secrets come from its `${env:...}` values).

Outbound (probe -> a target's server), as the gateway would authenticate:
an OAuth2 client-credentials token from the target's credential provider, or
its API key in the header or query parameter the target names. Inbound
(verify -> a gateway), as the gateway's authorizer requires: a
client-credentials token from the authorizer's discovery URL (CUSTOM_JWT),
SigV4 (AWS_IAM), or nothing (NONE). No secret is ever put in a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Generator
from urllib.parse import urlencode, urlsplit, urlunsplit

import botocore.session
import httpx2
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from reconciler.desired import ArnRef, Desired, DesiredState
from reconciler.kinds.gateway import verify_settings
from reconciler.mcp.client import AUTH, Connection, McpFailure
from reconciler.mcp.endpoints import dialable

SIGV4_SERVICE = "bedrock-agentcore"


@dataclass
class Outbound:
    """What the probe sends: headers, query parameters, and a note when it cannot act as the gateway would."""

    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    note: str = ""

    def connection(self, url: str, timeout: float) -> Connection:
        if self.query:
            parts = urlsplit(url)
            url = urlunsplit(parts._replace(query="&".join(filter(None, [parts.query, urlencode(self.query)]))))
        return Connection(url, dict(self.headers), None, timeout)


def client_credentials_token(
    discovery_url: str | None, token_url: str | None, client_id: str, client_secret: str,
    scopes: list[str] | None = None, extra: dict[str, str] | None = None, timeout: float = 15.0,
) -> str:
    """An access token from the OAuth2 client-credentials grant (client_secret_basic)."""
    with httpx2.Client(timeout=timeout) as http:
        try:
            if token_url is None:
                assert discovery_url is not None
                token_url = http.get(dialable(discovery_url)).raise_for_status().json()["token_endpoint"]
            form = {"grant_type": "client_credentials", **({"scope": " ".join(scopes)} if scopes else {}), **(extra or {})}
            response = http.post(dialable(token_url), data=form, auth=(client_id, client_secret))
        except (httpx2.HTTPError, KeyError, ValueError) as error:
            raise McpFailure(AUTH, f"cannot get an OAuth2 token from {token_url or discovery_url}: {type(error).__name__}: {error}") from None
    if response.status_code != 200:
        reason = _oauth_error(response)
        raise McpFailure(AUTH, f"the token endpoint {token_url} refused the client credentials: HTTP {response.status_code} {reason}")
    token = response.json().get("access_token")
    if not token:
        raise McpFailure(AUTH, f"the token endpoint {token_url} returned no access_token")
    return str(token)


def _oauth_error(response: httpx2.Response) -> str:
    try:
        return str(response.json().get("error", ""))
    except ValueError:
        return ""


ProviderLookup = Callable[[Any], "dict[str, Any] | None"]  # a providerArn (or registry reference) -> the provider's request body


def outbound(credential_configs: list[dict[str, Any]], lookup: ProviderLookup, timeout: float = 15.0) -> Outbound:
    """How the gateway authenticates to a target with these credentialProviderConfigurations.

    `lookup` finds a provider's configuration with its secrets: the registry's
    declared body for a probe, the emulator's stored provider for its data plane.
    """
    if not credential_configs:
        return Outbound()
    config = credential_configs[0]
    kind = config.get("credentialProviderType")
    provider = config.get("credentialProvider", {})
    if kind == "OAUTH":
        return _oauth(lookup, provider.get("oauthCredentialProvider", {}), timeout)
    if kind == "API_KEY":
        return _api_key(lookup, provider.get("apiKeyCredentialProvider", {}))
    return Outbound(note=f"{kind} credentials are the gateway's own: probed without credentials")


def registry_lookup(registry: DesiredState) -> ProviderLookup:
    """Providers declared in the registry, by `provider:` reference (their secrets come from `${env:...}`)."""

    def lookup(reference: Any) -> dict[str, Any] | None:
        found = registry.resources.get(reference.address) if isinstance(reference, ArnRef) else None
        return found.body if found else None

    return lookup


def _oauth(lookup: ProviderLookup, block: dict[str, Any], timeout: float) -> Outbound:
    provider = lookup(block.get("providerArn"))
    if provider is None:
        return Outbound(note="the OAuth2 provider's secret is not known here (providerArn): probed without credentials")
    if block.get("grantType", "CLIENT_CREDENTIALS") != "CLIENT_CREDENTIALS":
        return Outbound(note=f"grant type {block['grantType']} needs a user: probed without credentials")
    vendor: dict[str, Any] = next(iter(provider.get("oauth2ProviderConfigInput", {}).values()), {})
    discovery = vendor.get("oauthDiscovery", {})
    metadata = discovery.get("authorizationServerMetadata", {})
    token = client_credentials_token(
        discovery.get("discoveryUrl"), metadata.get("tokenEndpoint"), vendor.get("clientId", ""), vendor.get("clientSecret", ""),
        block.get("scopes"), block.get("customParameters"), timeout,
    )
    return Outbound(headers={"Authorization": f"Bearer {token}"})


def _api_key(lookup: ProviderLookup, block: dict[str, Any]) -> Outbound:
    provider = lookup(block.get("providerArn"))
    if provider is None:
        return Outbound(note="the API-key provider's key is not known here (providerArn): probed without credentials")
    key = str(provider.get("apiKey", ""))
    value = f"{block['credentialPrefix']} {key}" if block.get("credentialPrefix") else key
    name = block.get("credentialParameterName", "Authorization")
    if block.get("credentialLocation") == "QUERY_PARAMETER":
        return Outbound(query={name: value})
    return Outbound(headers={name: value})


class SigV4(httpx2.Auth):
    """Signs each request with the caller's AWS credentials (an AWS_IAM gateway's inbound auth)."""

    requires_request_body = True

    def __init__(self, region: str):
        credentials = botocore.session.get_session().get_credentials()
        if credentials is None:
            raise McpFailure(AUTH, "the gateway uses AWS_IAM, and no AWS credentials are configured")
        self.signer = SigV4Auth(credentials, SIGV4_SERVICE, region)

    def auth_flow(self, request: httpx2.Request) -> Generator[httpx2.Request, httpx2.Response, None]:
        signed = AWSRequest(method=request.method, url=str(request.url), data=request.content,
                            headers={k: v for k, v in request.headers.items() if k.lower() in ("content-type", "host")})
        self.signer.add_auth(signed)
        request.headers.update(dict(signed.headers.items()))
        yield request


def inbound(gateway: Desired, region: str, timeout: float = 15.0) -> tuple[dict[str, str], httpx2.Auth | None]:
    """Headers and auth to call the gateway as its authorizer requires, using its `verify:` block for CUSTOM_JWT."""
    kind = gateway.body.get("authorizerType")
    if kind == "AWS_IAM":
        return {}, SigV4(region)
    if kind != "CUSTOM_JWT":
        return {}, None
    settings = verify_settings(gateway)
    if not settings.get("clientId"):
        raise McpFailure(AUTH, f"{gateway.address}: CUSTOM_JWT needs a `verify:` block with clientId and clientSecret to get a token")
    jwt = gateway.body["authorizerConfiguration"]["customJWTAuthorizer"]
    token = client_credentials_token(jwt["discoveryUrl"], settings.get("tokenUrl"), settings["clientId"],
                                     settings.get("clientSecret", ""), settings.get("scopes"), None, timeout)
    return {"Authorization": f"Bearer {token}"}, None
