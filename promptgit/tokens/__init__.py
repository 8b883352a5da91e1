"""Token estimation (placeholder package; built by the tokens issue)."""
