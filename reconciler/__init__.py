"""agentcore-reconciler: Amazon Bedrock AgentCore Gateway as code."""

__version__ = "0.1.0"
