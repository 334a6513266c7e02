"""Benchmark only: the test web server's application with the request gate's hook
replaced by a no-op, to measure what the gate costs (``request_gate.py``)."""

import medic_plus.gate.gate

medic_plus.gate.gate.enforce = lambda: None

from medic_plus.tests.wsgi import application

__all__ = ["application"]
