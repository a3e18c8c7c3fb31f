"""The benchmark: ceilings, classify-only, full pipeline, naive baseline, latency and memory in one run."""
