"""The MCP side of the registry: conversations with MCP servers and gateways, the checks, probe and verify.

May import: the desired model, the kinds, the AWS connection (credentials), the model reader and errors; never the
planner, apply or the CLI. The emulator never imports this package (it has its own MCP client)."""
