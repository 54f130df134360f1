"""catalog search against the emulator's Agent Registry: records as the publishing side writes them, found through boto3."""

from __future__ import annotations

import pytest

from reconciler.catalog.search import limit_range, matches, query_words, registry_ids, search
from reconciler.errors import AwsError, ReconcilerError
from tests.catalog.support import JWT, ORDERS, WEATHER, gateway_url, new_registry, record, status


def test_a_word_of_a_tool_description_finds_its_record_gateway_url_and_status(client) -> None:
    registry = new_registry(client, "catalog")
    record(client, registry, "orders-gw", "orders", ORDERS)
    record(client, registry, "weather-gw", "forecast", WEATHER)
    report = search([registry], "cancel shipment", limit=10)
    assert [hit.record for hit in report.hits] == ["orders-gw.orders"]
    hit = report.hits[0]
    assert (hit.status, hit.version, hit.registry, hit.gateway_url) == ("APPROVED", "3f9a1c", registry, gateway_url("orders-gw"))
    assert [(tool.name, tool.description) for tool in hit.tools] == [("orders___cancel_order", "Cancel an order that has not shipped.")]


def test_matched_tools_are_those_with_a_query_word_in_name_or_description(client) -> None:
    registry = new_registry(client, "catalog")
    record(client, registry, "weather-gw", "forecast", WEATHER)
    (hit,) = search([registry], "radar", limit=10).hits
    assert [tool.name for tool in hit.tools] == ["forecast___getRadarImage"]  # a camelCase name's word
    (hit,) = search([registry], "rain", limit=10).hits
    assert [tool.name for tool in hit.tools] == ["forecast___get_forecast", "forecast___getRadarImage"]


def test_drafts_and_records_awaiting_approval_are_not_found_until_approved(client) -> None:
    registry = new_registry(client, "reviewed", auto_approval=False)
    record(client, registry, "orders-gw", "orders", ORDERS, submit=False)
    pending = record(client, registry, "returns-gw", "returns", {"cancel_return": "Cancel a parcel return."})
    assert (status(client, registry, pending), search([registry], "cancel", limit=10).hits) == ("PENDING_APPROVAL", [])
    client.update_registry_record_status(registryId=registry, recordId=pending, status="APPROVED", statusReason="reviewed")
    assert [(hit.record, hit.status) for hit in search([registry], "cancel", limit=10).hits] == [("returns-gw.returns", "APPROVED")]


def test_several_registries_are_merged_by_rank_and_cut_at_the_limit(client) -> None:
    first, second = new_registry(client, "team-a"), new_registry(client, "team-b")
    record(client, first, "a-gw", "parcels", {"track_parcel": "Track a parcel."})
    record(client, first, "a-gw", "more", {"parcel_label": "Print a parcel label.", "other": "Parcel weights and parcel sizes."})
    record(client, second, "b-gw", "parcels", {"send_parcel": "Send a parcel."})
    ranked_first = [hit.record for hit in search([first], "parcel", limit=10).hits]
    assert len(ranked_first) == 2
    merged = search([first, second], "parcel", limit=10)
    assert [(hit.registry, hit.record) for hit in merged.hits] == [
        (first, ranked_first[0]), (second, "b-gw.parcels"), (first, ranked_first[1])]
    assert merged.registries == [first, second]
    assert [hit.record for hit in search([first, second], "parcel", limit=2).hits] == [ranked_first[0], "b-gw.parcels"]


def test_a_record_without_a_remote_has_no_gateway_url(client) -> None:
    registry = new_registry(client, "catalog")
    record(client, registry, "orders-gw", "orders", ORDERS, remotes=False)
    assert [hit.gateway_url for hit in search([registry], "order", limit=10).hits] == [None]


def test_registries_are_found_by_name(client) -> None:
    catalog, other = new_registry(client, "catalog"), new_registry(client, "other")
    assert registry_ids(["other", "catalog"]) == [other, catalog]
    with pytest.raises(ReconcilerError, match="^no agent registry named missing, gone$"):
        registry_ids(["catalog", "missing", "gone"])


def test_a_limit_outside_the_model_range_is_refused_before_any_call(client) -> None:
    low, high = limit_range()
    assert (low, high) == (1, 20)  # SearchRegistryRecords' maxResults
    with pytest.raises(ReconcilerError, match=f"^limit {high + 1}: a search returns 1 to 20 records$"):
        search(["AAAAAAAAAAAA"], "x", limit=high + 1)


def test_service_errors_are_one_aws_error_line(client) -> None:
    with pytest.raises(AwsError, match="^SearchRegistryRecords: ResourceNotFoundException: Registry AAAAAAAAAAAA not found$"):
        search(["AAAAAAAAAAAA"], "orders", limit=5)
    jwt = new_registry(client, "jwt-only", authorizerType="CUSTOM_JWT", authorizerConfiguration=JWT)
    with pytest.raises(AwsError, match="^SearchRegistryRecords: UnauthorizedException: "):
        search([jwt], "orders", limit=5)


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
