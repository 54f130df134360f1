"""One registry in many accounts and regions (`deployments:`), rolled out in waves, against the in-process emulator.

The emulator holds every account and region at once: STS AssumeRole returns credentials acting in the role's
account, and each account+region has its own gateways, tags, quotas and faults. The registry below spans two
accounts and two regions: dev (the caller's account, no role), staging and prod (another account, a role each).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import boto3
import pytest

from reconciler.aws import assumed_session
from reconciler.deployments import load_fleet
from reconciler.errors import ConfigError
from tests.conftest import ROOT
from tests.helpers import reconcile
from tests.mcp_servers import healthy, mcp_app, serving

CALLER, OTHER = "123456789012", "222222222222"
DEPLOYER = f"arn:aws:iam::{OTHER}:role/deployer"
FAST = ("--poll-interval", "0.02")
SCHEMA = "{inlinePayload: [{name: run, description: Run, inputSchema: {type: object}}]}"

HEAD = f"""\
registry: org
deployments:
  dev: {{account: "{CALLER}", region: us-east-1, vars: {{stage: dev}}}}
  staging: {{account: "{OTHER}", region: eu-west-1, roleArn: "{DEPLOYER}", externalId: org-external-id, vars: {{stage: staging}}}}
  prod: {{account: "{OTHER}", region: us-east-1, roleArn: "arn:aws:iam::${{deployment.account}}:role/deployer", vars: {{stage: prod}}}}
rollout: [[dev], [staging, prod]]
"""


def gateway(name: str, deploy_to: str = "", targets: str = "run") -> str:
    """A gateway with Lambda targets whose values depend on the deployment."""
    lines = [f"  {name}:", f"    description: {name} for ${{deployment.vars.stage}} in ${{deployment.region}}",
             "    roleArn: arn:aws:iam::${deployment.account}:role/gw", "    authorizerType: AWS_IAM"]
    lines += [f"    deployTo: [{deploy_to}]"] if deploy_to else []
    lines += ["    targets:"] + [
        f"      {t}:\n        targetConfiguration: {{mcp: {{lambda: {{lambdaArn: 'arn:aws:lambda:${{deployment.region}}:"
        f"${{deployment.account}}:function:{t}-${{deployment.name}}', toolSchema: {SCHEMA}}}}}}}\n"
        "        credentialProviderConfigurations: [{credentialProviderType: GATEWAY_IAM_ROLE}]"
        for t in targets.split(",")]
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, *gateways: str, head: str = HEAD) -> str:
    path = tmp_path / "org.yaml"
    path.write_text(head + "gateways:\n" + "".join(gateways))
    return str(path)


def client_in(account: str, region: str) -> Any:
    """The control-plane client of one account and region (a role of that account, or the caller's)."""
    if account == CALLER:
        return boto3.client("bedrock-agentcore-control", region_name=region)
    return assumed_session(DEPLOYER, "org-external-id", region, "test-reader").client("bedrock-agentcore-control")


def gateways_in(account: str, region: str) -> dict[str, dict[str, Any]]:
    client = client_in(account, region)
    return {g["name"]: client.get_gateway(gatewayIdentifier=g["gatewayId"]) for g in client.list_gateways()["items"]}


def targets_of(account: str, region: str, gateway_id: str) -> list[dict[str, Any]]:
    client = client_in(account, region)
    return [client.get_gateway_target(gatewayIdentifier=gateway_id, targetId=t["targetId"])
            for t in client.list_gateway_targets(gatewayIdentifier=gateway_id)["items"]]


def apply(path: str, *more: str) -> Any:
    return reconcile("apply", "-f", path, "--auto-approve", *FAST, *more)


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, line, message", [
    (HEAD + "gateways:\n  g:\n    deployTo: [qa]\n", 9, "gateways.g.deployTo[0]: unknown deployment 'qa' (known: dev, staging, prod)"),
    (HEAD.replace("[staging, prod]", "[staging, prod, qa]"), 6, "rollout[1][2]: unknown deployment 'qa'"),
    (HEAD.replace("[[dev], [staging, prod]]", "[[dev], [staging]]"), 6, "rollout: deployments in no wave (they would never be applied): prod"),
    (HEAD + "gateways:\n  g:\n    description: ${deployment.vars.team}\n", 9, "gateways.g.description: deployment dev has no vars.team"),
    (HEAD + "gateways:\n  g:\n    description: ${deployment.zone}\n", 9, "unknown ${deployment.zone} (name, account, region or vars.KEY)"),
    (HEAD.replace('account: "123456789012", ', ""), 3, "deployments.dev: missing required member 'account'"),
    (HEAD.replace("region: eu-west-1", "region: us-east-1"), 5, "deployments.prod: account 222222222222 in us-east-1 is deployment staging's too"),
    (HEAD + "gateways:\n" + gateway("g").replace("    targets:\n      run:\n", "    targets:\n      run:\n        deployTo: [dev]\n"), 14,
     "gateways.g.targets.run.deployTo: only top-level resources take deployTo: children follow their parent"),
    (HEAD.replace(f'roleArn: "{DEPLOYER}"', 'roleArn: "arn:aws:iam::333333333333:role/x"'), 4,
     "deployments.staging.roleArn: the role is in account 333333333333, not the deployment's 222222222222"),
    (HEAD + "gateways:\n  g:\n    publish: {registry: cat, deployment: qa}\n", 9, "gateways.g.publish.deployment: unknown deployment 'qa'"),
    ("registry: x\nregion: us-east-1\ngateways:\n  g:\n    deployTo: [dev]\n", 5, "gateways.g.deployTo: deployTo needs top-level `deployments:`"),
    ("registry: x\nregion: us-east-1\ngateways:\n  g:\n    description: ${deployment.name}\n", 5,
     "gateways.g.description: ${deployment.name} needs top-level `deployments:`"),
])
def test_each_mistake_is_one_line_with_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_fleet([str(path)])
    found = [line for line in str(raised.value).splitlines() if message in line]
    assert found and all("\n" not in p for p in found), str(raised.value)
    assert found[0].startswith(f"{path}:{line}:"), found
    assert len(found) == 1, found  # once, though every deployment's view sees it


def test_views_get_their_resources_and_values(tmp_path: Path) -> None:
    fleet = load_fleet([write(tmp_path, gateway("tools"), gateway("extra", "prod"))])
    assert [d.name for wave in fleet.waves_selected() for d in wave] == ["dev", "staging", "prod"]
    assert sorted(fleet.views["prod"].resources) == ["gateway/extra", "gateway/extra/target/run", "gateway/tools", "gateway/tools/target/run"]
    staging = fleet.views["staging"]
    assert "gateway/extra" not in staging.resources and staging.region == "eu-west-1"
    assert staging.resources["gateway/tools"].body["description"] == "tools for staging in eu-west-1"
    assert fleet.deployment("prod").role_arn == DEPLOYER  # ${deployment.account} in its own roleArn


def test_a_secret_var_stays_secret_where_it_is_substituted(tmp_path: Path) -> None:
    head = HEAD.replace("vars: {stage: dev}", "vars: {stage: dev, token: '${env:DEV_TOKEN}'}")
    path = write(tmp_path, "  bad:\n    deployTo: [dev]\n    authorizerType: AWS_IAM\n    roleArn: ${deployment.vars.token}\n", head=head)
    with pytest.raises(ConfigError) as raised:
        load_fleet([path], environ={"DEV_TOKEN": "hunter2-very-secret"})
    assert "gateways.bad.roleArn" in str(raised.value) and "hunter2" not in str(raised.value)


def test_a_registry_without_deployments_keeps_plain_addresses(emulator: None, tmp_path: Path) -> None:
    path = tmp_path / "gateways.yaml"
    path.write_text("registry: plain\nregion: us-east-1\ngateways:\n" + gateway("tools").replace("${deployment.vars.stage}", "all")
                    .replace("${deployment.region}", "us-east-1").replace("${deployment.account}", CALLER).replace("${deployment.name}", "x"))
    planned = reconcile("plan", "-f", str(path), "--format", "json")
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert [c["address"] for c in plan["changes"]] == ["gateway/tools", "gateway/tools/target/run"] and "deployments" not in plan
    assert json.loads(reconcile("deployments", "-f", str(path), "--format", "json").stdout) == {"include": []}


# --- end to end -------------------------------------------------------------------------------------


def test_plan_apply_puts_each_resource_in_its_account_and_region_and_the_second_plan_is_empty(emulator: None, tmp_path: Path) -> None:
    path = write(tmp_path, gateway("tools"), gateway("extra", "prod"))
    planned = reconcile("plan", "-f", path, "--format", "json")
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert sorted(c["address"] for c in plan["changes"]) == sorted(
        f"{d}:gateway/{g}{t}" for d in ("dev", "staging", "prod") for g in ("tools", "extra") for t in ("", "/target/run")
        if g == "tools" or d == "prod")
    assert plan["deployments"]["staging"] == {"account": OTHER, "region": "eu-west-1"}

    applied = apply(path)
    assert applied.exit_code == 0, applied.output
    assert "Deployment staging (222222222222, eu-west-1): apply complete: 2 done" in applied.stdout
    for deployment, account, region in (("dev", CALLER, "us-east-1"), ("staging", OTHER, "eu-west-1"), ("prod", OTHER, "us-east-1")):
        live = gateways_in(account, region)
        assert sorted(live) == (["extra", "tools"] if deployment == "prod" else ["tools"])
        tools = live["tools"]
        assert tools["description"] == f"tools for {deployment} in {region}" and f":{account}:" in tools["gatewayArn"]
        assert tools["roleArn"] == f"arn:aws:iam::{account}:role/gw" and f":{region}:" in tools["gatewayArn"]
        (target,) = targets_of(account, region, tools["gatewayId"])
        assert target["targetConfiguration"]["mcp"]["lambda"]["lambdaArn"] == f"arn:aws:lambda:{region}:{account}:function:run-{deployment}"
    again = reconcile("plan", "-f", path, "--detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert "No changes" in again.stdout


def test_deployment_option_scopes_reads_and_writes(emulator: None, tmp_path: Path) -> None:
    path = write(tmp_path, gateway("tools"))
    planned = reconcile("plan", "-f", path, "--deployment", "staging")
    assert planned.exit_code == 0, planned.output
    assert "staging:gateway/tools will be created" in planned.stdout and "dev:" not in planned.stdout + planned.stderr
    assert "prod:" not in planned.stdout + planned.stderr  # not even read
    assert apply(path, "--deployment", "staging").exit_code == 0
    assert list(gateways_in(OTHER, "eu-west-1")) == ["tools"]
    assert gateways_in(CALLER, "us-east-1") == {} and gateways_in(OTHER, "us-east-1") == {}
    targeted = reconcile("plan", "-f", path, "--target", "prod:gateway/tools")
    assert "prod:gateway/tools will be created" in targeted.stdout and "dev:" not in targeted.stdout
    unknown = reconcile("plan", "-f", path, "--deployment", "qa")
    assert unknown.exit_code == 1 and "unknown deployment qa (known: dev, staging, prod)" in unknown.output


def test_a_failing_first_wave_leaves_later_waves_untouched_and_says_so(emulator: None, tmp_path: Path, faults: Callable[..., None]) -> None:
    path = write(tmp_path, gateway("tools"))
    faults(f"create-failed:account={CALLER},region=us-east-1")  # faults per account and region
    applied = apply(path)
    assert applied.exit_code == 1
    assert "Deployment dev (123456789012, us-east-1): apply failed" in applied.stdout
    assert "Deployments not attempted (an earlier wave did not apply cleanly): staging, prod" in applied.stdout
    assert gateways_in(OTHER, "eu-west-1") == {} and gateways_in(OTHER, "us-east-1") == {}


def test_shrinking_deploy_to_deletes_only_there(emulator: None, tmp_path: Path) -> None:
    path = write(tmp_path, gateway("shared", "staging, prod"))
    first = apply(path)
    assert first.exit_code == 0, first.output
    write(tmp_path, gateway("shared", "prod"))
    planned = reconcile("plan", "-f", path, "--format", "json")
    assert sorted((c["address"], c["action"]) for c in json.loads(planned.stdout)["changes"]) == [
        ("staging:gateway/shared", "delete"), ("staging:gateway/shared/target/run", "delete")]
    refused = apply(path)
    assert refused.exit_code == 1 and "staging: " in refused.output  # destroying a gateway needs --force, as always
    assert apply(path, "--force").exit_code == 0
    assert gateways_in(OTHER, "eu-west-1") == {} and list(gateways_in(OTHER, "us-east-1")) == ["shared"]


def test_a_role_that_cannot_be_assumed_fails_cleanly_before_any_write(emulator: None, tmp_path: Path) -> None:
    # The role exists in the other account's IAM and trusts only callers that give its external id.
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{CALLER}:root"},
             "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "the-right-id"}}}]}
    assumed_session(DEPLOYER, None, "us-east-1", "setup").client("iam").create_role(
        RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))
    path = write(tmp_path, gateway("tools"))
    applied = apply(path)
    assert applied.exit_code == 1
    assert "Traceback" not in applied.output
    assert f"deployment staging: cannot assume {DEPLOYER}: AssumeRole: AccessDenied" in applied.output
    assert f"deployment prod: cannot assume {DEPLOYER}" in applied.output  # no external id given: refused too
    assert gateways_in(CALLER, "us-east-1") == {}  # dev, whose credentials were fine, was not written either
    fixed = write(tmp_path, gateway("tools"), head=HEAD.replace("org-external-id", "the-right-id").replace(
        'roleArn: "arn:aws:iam::${deployment.account}:role/deployer"', 'roleArn: "arn:aws:iam::${deployment.account}:role/deployer", externalId: the-right-id'))
    assert apply(fixed).exit_code == 0


def test_the_matrix_feeds_ci(tmp_path: Path) -> None:
    path = write(tmp_path, gateway("tools"))
    matrix = json.loads(reconcile("deployments", "-f", path, "--format", "json").stdout)
    assert matrix == {"include": [{"deployment": "dev", "account": CALLER, "region": "us-east-1"},
                                  {"deployment": "staging", "account": OTHER, "region": "eu-west-1"},
                                  {"deployment": "prod", "account": OTHER, "region": "us-east-1"}]}
    listed = reconcile("deployments", "-f", path).stdout
    assert "staging  account 222222222222  region eu-west-1  wave 2" in listed


def test_the_ci_example_gets_its_matrices_from_the_example_registry() -> None:
    workflow = (ROOT / "examples" / "github-actions-matrix.yml").read_text()
    registry = str(ROOT / "examples" / "deployments")
    listed = re.findall(r"reconcile (deployments -f registry --format json(?: --wave \d)?)", workflow)
    assert len(listed) == 3
    matrices = [json.loads(reconcile(*command.replace("registry", registry).split()).stdout) for command in listed]
    assert [[d["deployment"] for d in m["include"]] for m in matrices] == [["dev", "staging", "prod"], ["dev"], ["staging", "prod"]]
    used = set(re.findall(r"\{\{ matrix\.(\w+)", workflow))
    assert used and all(used <= set(entry) for m in matrices for entry in m["include"])
    assert workflow.count('--deployment "$DEPLOYMENT"') == 3 and workflow.count("DEPLOYMENT: \"${{ matrix.deployment }}\"") == 3


def test_a_saved_plan_of_deployments_applies_exactly(emulator: None, tmp_path: Path) -> None:
    path = write(tmp_path, gateway("tools"))
    saved = tmp_path / "plan.json"
    assert reconcile("plan", "-f", path, "--deployment", "dev", "--deployment", "prod", "--out", str(saved)).exit_code == 0
    assert json.loads(saved.read_text())["deployments"] == ["dev", "prod"]
    applied = reconcile("apply", str(saved), *FAST)
    assert applied.exit_code == 0, applied.output
    assert gateways_in(OTHER, "eu-west-1") == {} and list(gateways_in(OTHER, "us-east-1")) == ["tools"]
    stale = reconcile("apply", str(saved), *FAST)
    assert stale.exit_code == 1 and "stale plan" in stale.output


def test_drift_names_the_deployment(emulator: None, tmp_path: Path) -> None:
    path = write(tmp_path, gateway("tools"))
    assert apply(path).exit_code == 0
    client = client_in(OTHER, "us-east-1")
    live = gateways_in(OTHER, "us-east-1")["tools"]
    client.update_gateway(gatewayIdentifier=live["gatewayId"], name="tools", roleArn=live["roleArn"], authorizerType="AWS_IAM",
                          description="edited by hand")
    drift = reconcile("drift", "-f", path, "--format", "json")
    assert drift.exit_code == 2
    assert [d["address"] for d in json.loads(drift.stdout)["drift"]] == ["prod:gateway/tools"]


def test_assumed_credentials_are_assumed_again_before_they_expire(emulator: None) -> None:
    session = assumed_session(DEPLOYER, None, "us-east-1", "refresh-test")
    credentials = session.get_credentials()
    first = credentials.get_frozen_credentials().access_key
    credentials._expiry_time = datetime.now(timezone.utc)  # as an apply an hour long finds them
    assert credentials.get_frozen_credentials().access_key != first
    assert session.client("sts").get_caller_identity()["Account"] == OTHER


def test_import_from_a_deployment_writes_its_deploy_to(emulator: None, tmp_path: Path) -> None:
    made = client_in(OTHER, "eu-west-1").create_gateway(name="legacy", roleArn=f"arn:aws:iam::{OTHER}:role/gw", authorizerType="AWS_IAM")
    assert made["gatewayId"]
    path = write(tmp_path, gateway("tools"))
    imported = reconcile("import", "-f", path, "--deployment", "staging", "--gateway", "legacy")
    assert imported.exit_code == 0, imported.output
    assert "legacy:" in imported.stdout and "deployTo:\n    - staging" in imported.stdout and "region:" not in imported.stdout
    by_role = reconcile("import", "--account", OTHER, "--region", "eu-west-1", "--role-arn", DEPLOYER, "--gateway", "legacy")
    assert by_role.exit_code == 0 and "legacy:" in by_role.stdout


def test_a_central_catalog_holds_the_records_of_every_deployment(emulator: None, tmp_path: Path) -> None:
    with serving(mcp_app(healthy("orders"))) as orders:
        catalog = ("agentRegistries:\n  catalog:\n    deployTo: [dev]\n    discoveryConfiguration: {authorizerType: AWS_IAM}\n"
                   "    approvalConfiguration: {autoApprovalRules: [APPROVE_ALL]}\n")
        shop = ("  shop:\n    roleArn: arn:aws:iam::${deployment.account}:role/gw\n    authorizerType: AWS_IAM\n"
                "    publish: {registry: catalog, deployment: dev}\n"
                "    protocolConfiguration: {mcp: {supportedVersions: ['2025-03-26', '2025-06-18']}}\n"
                f"    targets:\n      orders:\n        targetConfiguration: {{mcp: {{mcpServer: {{endpoint: '{orders.https()}'}}}}}}\n")
        path = write(tmp_path, shop, head=HEAD.replace("[[dev], [staging, prod]]", "[[staging, prod], [dev]]") + catalog)
        planned = reconcile("plan", "-f", path)
        assert planned.exit_code == 0, planned.output
        assert "dev:agent-registry/catalog/record/prod.shop.orders will be created" in planned.stdout
        applied = apply(path)
        assert applied.exit_code == 0, applied.output
        registries = boto3.client("agent-registry-control", region_name="us-east-1")
        registry_id = registries.list_registries()["registries"][0]["registryId"]
        records = {r["name"]: r for r in registries.list_registry_records(registryId=registry_id)["registryRecords"]}
        assert sorted(records) == ["dev.shop.orders", "prod.shop.orders", "staging.shop.orders"]
        staging = registries.get_registry_record(registryId=registry_id, recordId=records["staging.shop.orders"]["recordId"])
        server = json.loads(staging["descriptors"]["mcpServer"]["data"])
        assert server["remotes"][0]["url"] == gateways_in(OTHER, "eu-west-1")["shop"]["gatewayUrl"]  # staging's gateway
        tools = json.loads(staging["descriptors"]["mcpServer"]["additionalData"]["tools"]["data"])["tools"]
        assert [t["name"] for t in tools] == ["orders___get_order", "orders___list_orders"]
        assert staging["status"] == "APPROVED"
        again = reconcile("plan", "-f", path, "--detailed-exitcode")
        assert again.exit_code == 0, again.output
        synced = reconcile("sync", "-f", path, "--gateway", "shop", "--deployment", "staging", "--deployment", "prod", *FAST)
        assert synced.exit_code == 0, synced.output
        assert [line for line in synced.stdout.splitlines() if line.startswith("Deployment ")] == [
            "Deployment staging (222222222222, eu-west-1):", "Deployment prod (222222222222, us-east-1):"]
        _the_catalog_spans_every_deployment(path, tmp_path)


def _the_catalog_spans_every_deployment(path: str, tmp_path: Path) -> None:
    """catalog search reads the central catalog through dev's connection; catalog site reads every deployment."""
    found = reconcile("catalog", "search", "orders", "-f", path, "--format", "json")
    assert found.exit_code == 0, found.output
    hits = json.loads(found.stdout)["hits"]
    assert sorted((hit["record"], hit["deployment"]) for hit in hits) == [
        ("dev.shop.orders", "dev"), ("prod.shop.orders", "dev"), ("staging.shop.orders", "dev")]
    only_prod = reconcile("catalog", "search", "orders", "-f", path, "--deployment", "prod")
    assert only_prod.exit_code == 1 and "declares no agentRegistries" in only_prod.stderr  # prod holds no catalog
    built = reconcile("catalog", "site", "-f", path, "--out", str(tmp_path / "site"))
    assert built.exit_code == 0, built.output
    assert "1 gateways, 1 targets, 2 tools" in built.stdout
    page = (tmp_path / "site" / "index.html").read_text()
    urls = {name: gateways_in(account, region)["shop"]["gatewayUrl"]
            for name, account, region in (("dev", CALLER, "us-east-1"), ("staging", OTHER, "eu-west-1"), ("prod", OTHER, "us-east-1"))}
    served = re.findall(r"<li><strong>(\w+) \(\d{12}, [a-z0-9-]+\)</strong>: <code>([^<]+)</code> \(READY\)</li>", page)
    assert served == [("dev", urls["dev"]), ("staging", urls["staging"]), ("prod", urls["prod"])]  # as declared
    assert "dev: READY; staging: READY; prod: READY" in page and "Only in" not in page  # every deployment lists both tools
