"""Gateway: one public address and one OpenAPI document in front of the services."""
