"""Unit tests of the storage layer (no database)."""
