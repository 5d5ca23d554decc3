"""Contract suite for the Infrai errors API: schemathesis, link-driven stateful runs and a reference model."""
