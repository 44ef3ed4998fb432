"""`pilewatch ingest`: MQTT → PostgreSQL/TimescaleDB, every sample stored once."""
