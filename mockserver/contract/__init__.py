"""What comes from `spec/openapi.yaml`: the operations table and the request/response validators.

Imports the standard library, `store` (for its domain errors), PyYAML, jsonschema and referencing.
"""
