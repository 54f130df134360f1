"""catalog search against the emulator's AWS Agent Registry (GA): records as the publishing side writes them, through boto3."""

from __future__ import annotations

from typing import Any

import pytest

from reconciler.catalog.search import limit_range, matches, query_words, registry_ids, search
from reconciler.errors import AwsError, ReconcilerError
from tests.helpers import reconcile
from tests.catalog.support import ORDERS, searched, WEATHER, gateway_url, new_registry, record, status

NO_SEMANTIC_REGION = "eu-west-3"  # a region where the emulator, like AWS in some regions, offers keyword search only


def test_a_word_of_a_tool_description_finds_its_record_gateway_url_and_status(registries: Any) -> None:
    registry = new_registry(registries, "catalog")
    record(registries, registry, "orders-gw", "orders", ORDERS)
    record(registries, registry, "weather-gw", "forecast", WEATHER)
    report = search(searched([registry]), "cancel shipment", limit=10)
    assert [hit.record for hit in report.hits] == ["orders-gw.orders"]
    hit = report.hits[0]
    assert (hit.status, hit.version, hit.registry, hit.gateway_url) == ("APPROVED", "3f9a1c", registry, gateway_url("orders-gw"))
    assert [(tool.name, tool.description) for tool in hit.tools] == [("orders___cancel_order", "Cancel an order that has not shipped.")]


def test_matched_tools_are_those_with_a_query_word_in_name_or_description(registries: Any) -> None:
    registry = new_registry(registries, "catalog")
    record(registries, registry, "weather-gw", "forecast", WEATHER)
    (hit,) = search(searched([registry]), "radar", limit=10).hits
    assert [tool.name for tool in hit.tools] == ["forecast___getRadarImage"]  # a camelCase name's word
    (hit,) = search(searched([registry]), "rain", limit=10).hits
    assert [tool.name for tool in hit.tools] == ["forecast___get_forecast", "forecast___getRadarImage"]


def test_drafts_and_records_awaiting_approval_are_not_found_until_approved(registries: Any) -> None:
    registry = new_registry(registries, "reviewed", auto_approval=False)
    record(registries, registry, "orders-gw", "orders", ORDERS, submit=False)
    pending = record(registries, registry, "returns-gw", "returns", {"cancel_return": "Cancel a parcel return."})
    assert (status(registries, registry, pending), search(searched([registry]), "cancel", limit=10).hits) == ("PENDING_APPROVAL", [])
    registries.update_registry_record_status(registryId=registry, recordId=pending, status="APPROVED", statusReason="reviewed")
    assert [(hit.record, hit.status) for hit in search(searched([registry]), "cancel", limit=10).hits] == [("returns-gw.returns", "APPROVED")]


def test_a_deprecated_record_is_no_longer_found(registries: Any) -> None:
    registry = new_registry(registries, "catalog")
    old = record(registries, registry, "orders-gw", "orders", ORDERS)
    registries.update_registry_record_status(registryId=registry, recordId=old, status="DEPRECATED", statusReason="replaced")
    assert search(searched([registry]), "cancel", limit=10).hits == []


def test_several_registries_are_merged_by_rank_and_cut_at_the_limit(registries: Any) -> None:
    first, second = new_registry(registries, "team-a"), new_registry(registries, "team-b")
    record(registries, first, "a-gw", "parcels", {"track_parcel": "Track a parcel."})
    record(registries, first, "a-gw", "more", {"parcel_label": "Print a parcel label.", "other": "Parcel weights and parcel sizes."})
    record(registries, second, "b-gw", "parcels", {"send_parcel": "Send a parcel."})
    ranked_first = [hit.record for hit in search(searched([first]), "parcel", limit=10).hits]
    assert len(ranked_first) == 2
    merged = search(searched([first, second]), "parcel", limit=10)
    assert [(hit.registry, hit.record) for hit in merged.hits] == [
        (first, ranked_first[0]), (second, "b-gw.parcels"), (first, ranked_first[1])]
    assert merged.registries == [first, second]
    assert [hit.record for hit in search(searched([first, second]), "parcel", limit=2).hits] == [ranked_first[0], "b-gw.parcels"]


def test_more_hits_than_a_page_are_read_page_by_page(registries: Any) -> None:
    registry = new_registry(registries, "big")
    for number in range(25):
        record(registries, registry, "gw", f"shipping{number}", {"ship": f"Ship parcel number {number}."})
    hybrid = search(searched([registry]), "parcel", limit=25)  # a HYBRID search returns at most 20 records in all
    assert len(hybrid.hits) == 20 and len({hit.record for hit in hybrid.hits}) == 20
    keyword = search(searched([registry]), "parcel", limit=25, search_type="KEYWORD")
    assert len({hit.record for hit in keyword.hits}) == 25 and keyword.search_type == "KEYWORD"


def test_a_region_without_semantic_search_is_searched_by_keyword_and_says_so(emulator: None) -> None:
    import boto3

    registries = boto3.client("agent-registry-control", region_name=NO_SEMANTIC_REGION)
    registry = new_registry(registries, "catalog")
    record(registries, registry, "orders-gw", "orders", ORDERS)
    report = search(searched([registry], NO_SEMANTIC_REGION), "cancel", limit=10, search_type="HYBRID")
    assert [hit.record for hit in report.hits] == ["orders-gw.orders"]
    assert report.search_type == "KEYWORD"
    assert report.notes == [f"HYBRID is not offered in {NO_SEMANTIC_REGION}: searched by keyword"]
    default = search(searched([registry], NO_SEMANTIC_REGION), "cancel", limit=10)  # the service picks KEYWORD there itself
    assert (default.search_type, default.notes) == ("KEYWORD", [])


def test_a_record_without_a_remote_has_no_gateway_url(registries: Any) -> None:
    registry = new_registry(registries, "catalog")
    record(registries, registry, "orders-gw", "orders", ORDERS, remotes=False)
    assert [hit.gateway_url for hit in search(searched([registry]), "order", limit=10).hits] == [None]


def test_registries_are_found_by_name(registries: Any) -> None:
    catalog, other = new_registry(registries, "catalog"), new_registry(registries, "other")
    assert [r.registry_id for r in registry_ids(["other", "catalog"])] == [other, catalog]
    with pytest.raises(ReconcilerError, match="^no agent registry named missing, gone$"):
        registry_ids(["catalog", "missing", "gone"])


def test_a_limit_or_search_type_outside_the_model_is_refused_before_any_call(emulator: None) -> None:
    low, high = limit_range()
    assert (low, high) == (1, 50)  # SearchDiscoverableRegistryRecords' maxResults
    with pytest.raises(ReconcilerError, match=f"^limit {high + 1}: a search returns 1 to 50 records$"):
        search(searched(["AAAAAAAAAAAA"]), "x", limit=high + 1)
    with pytest.raises(ReconcilerError, match="^search type FUZZY: one of HYBRID, SEMANTIC, KEYWORD$"):
        search(searched(["AAAAAAAAAAAA"]), "x", search_type="FUZZY")


def test_service_errors_are_one_aws_error_line(registries: Any) -> None:
    with pytest.raises(AwsError, match="^SearchDiscoverableRegistryRecords: ResourceNotFoundException: "):
        search(searched(["AAAAAAAAAAAA"]), "orders", limit=5)
    jwt = new_registry(registries, "jwt-only", authorizer="CUSTOM_JWT")
    with pytest.raises(AwsError, match="^SearchDiscoverableRegistryRecords: "):
        search(searched([jwt]), "orders", limit=5)


@pytest.mark.parametrize(("query", "tool", "expected"), [
    ("orders", {"name": "t___get_order", "description": ""}, False),  # the query word is longer than the tool's
    ("order", {"name": "t___get_orders", "description": ""}, True),  # a word's beginning
    ("der", {"name": "t___get_order", "description": ""}, False),  # not inside a word
    ("IMAGE", {"name": "t___getRadarImage"}, True),  # case-insensitive; camelCase split
    ("a tool for the city", {"name": "t___x", "description": "Forecast for a city"}, True),
    ("a tool for the", {"name": "t___x", "description": "Forecast for a city"}, False),  # function words alone match nothing
])
def test_matching_words(query: str, tool: dict[str, str], expected: bool) -> None:
    assert matches(tool, query_words(query)) is expected


def test_a_deployment_cannot_be_chosen_without_the_files_that_declare_it(registries: Any) -> None:
    refused = reconcile("catalog", "search", "orders", "--registry", "catalog", "--deployment", "prod")
    assert refused.exit_code == 1
    assert refused.stderr.strip().endswith("--deployment needs the registry files (-f PATH) that declare the deployments")
