"""The MCP side of the registry: conversations with MCP servers and gateways, the checks, probe and verify."""
