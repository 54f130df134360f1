"""Discovery across gateways: records of published MCP targets in AWS Agent Registry (publish), and searching them.

May import: apply, the planner, the live read, the desired model, the kinds, the MCP package and the AWS connection;
never the manager, the outputs or the CLI (they sit above it)."""
