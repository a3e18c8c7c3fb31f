"""Live monitoring: the mention stream, spike alerts, audience quality, repost cascades, insight views.

:func:`pipeline.monitor.wiring.attach_monitoring` plugs it all into a :class:`~pipeline.worker.app.Pipeline`.
"""
