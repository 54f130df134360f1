"""Discovery across gateways: records of published MCP targets in AWS Agent Registry (publish), and searching them."""
