"""catalog search rendered as text and JSON, from real searches of the emulator's Agent Registry."""

from __future__ import annotations

import json

from reconciler.catalog.search import search
from reconciler.outputs.catalog import SEARCH_RENDERERS, render_search_json, render_search_text
from tests.catalog.support import ORDERS, WEATHER, searched, gateway_url, new_registry, record


def test_text_has_one_block_per_hit_with_status_gateway_url_and_matched_tools(registries) -> None:
    registry = new_registry(registries, "catalog")
    record(registries, registry, "orders-gw", "orders", ORDERS)
    record(registries, registry, "weather-gw", "forecast", WEATHER)
    text = render_search_text(search(searched([registry]), "cancel shipment", limit=10))
    assert text == (
        f"orders-gw.orders [APPROVED] version 3f9a1c in registry {registry}\n"
        f"    gateway: {gateway_url('orders-gw')}\n"
        "    tool orders___cancel_order: Cancel an order that has not shipped.\n"
        "\n"
        '1 record matches "cancel shipment" (1 registry searched).\n'
    )


def test_text_says_when_a_record_matched_by_no_tool_and_when_nothing_matches(registries) -> None:
    registry = new_registry(registries, "catalog")
    record(registries, registry, "orders-gw", "orders", ORDERS, remotes=False)
    text = render_search_text(search(searched([registry]), "gateway", limit=10))  # a word of the record's description only
    assert "    gateway: (the record names no remote)\n" in text
    assert "    no tool has a word of the query in its name or description: the record matched as a whole\n" in text
    assert render_search_text(search(searched([registry]), "spaceships", limit=10)) == 'No records match "spaceships" (1 registry searched).\n'


def test_json_is_one_object_with_every_hit(registries) -> None:
    registry = new_registry(registries, "catalog")
    record(registries, registry, "weather-gw", "forecast", WEATHER)
    document = json.loads(render_search_json(search(searched([registry]), "rain", limit=3)))
    assert document == {
        "format_version": 1, "query": "rain", "registries": [registry], "search_type": "HYBRID", "notes": [],
        "hits": [{
            "record": "weather-gw.forecast", "registry": registry, "status": "APPROVED", "version": "3f9a1c",
            "description": "forecast on gateway weather-gw", "gateway_url": gateway_url("weather-gw"),
            "tools": [{"name": "forecast___get_forecast", "description": "Hourly rain and wind forecast for a city."},
                      {"name": "forecast___getRadarImage", "description": "Rain radar images."}],
            "deployment": "",
        }],
    }
    assert sorted(SEARCH_RENDERERS) == ["json", "text"]
