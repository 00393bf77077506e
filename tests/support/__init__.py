"""Local servers that speak real providers' protocols, for tests."""
