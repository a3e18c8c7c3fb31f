"""Live monitoring: the mention stream, spike alerts, audience quality, repost cascades, insight views.

:class:`pipeline.monitor.wiring.Monitoring` plugs it into a worker through its
:class:`~pipeline.worker.features.WorkerPorts` (see :mod:`pipeline.assemble`).
"""
