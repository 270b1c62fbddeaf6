"""Ingest: read sources, normalize to Post, publish to Kafka, dead-letter what is invalid."""
