"""Deep tracking: tracked links, clicks, visits with time on site, conversions and the funnel.

Pure parts (targets, privacy, decoding, rows) apart from transport (the outbox to Kafka) and
storage (the link store, the funnel queries).
"""
