"""Benchmark only: the test web server's application with the access log's hooks replaced
by no-ops, to measure what the log costs a read (``access_log.py``)."""

import medic_plus.privacy.access_log

medic_plus.privacy.access_log.note = lambda *args, **kwargs: None
medic_plus.privacy.access_log.queue = lambda *args, **kwargs: None

from medic_plus.tests.wsgi import application

__all__ = ["application"]
