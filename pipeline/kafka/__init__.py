"""Kafka: topic names and creation, producing events, sending through the worker's producer."""
