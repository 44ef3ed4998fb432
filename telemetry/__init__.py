"""The MQTT contract (contract §1): topics, payloads and their validation."""
