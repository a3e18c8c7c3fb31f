"""A worker with monitoring attached and the web API served (until create_pipeline calls
attach_monitoring itself, the tests start workers through this module)."""

from __future__ import annotations

import os
import sys

from pipeline.kafka.topics import ensure_topics
from pipeline.monitor.wiring import attach_monitoring
from pipeline.runtime import broker, load_settings, storage
from pipeline.worker.app import create_pipeline, run_worker


def main() -> int:
    """Run one worker; SOCIALLISTEN_TEST_WEB_PORT serves the API and pages."""
    settings = load_settings(embedded_defaults=True)
    with broker(settings) as bootstrap, storage(settings) as ch:
        ensure_topics(bootstrap, settings)
        pipeline = create_pipeline(settings, bootstrap, ch)
        attach_monitoring(pipeline, settings)
        port = os.environ.get("SOCIALLISTEN_TEST_WEB_PORT")
        if port:
            pipeline.serve_web("127.0.0.1", int(port))
        return run_worker(pipeline, settings)


if __name__ == "__main__":
    sys.exit(main())
