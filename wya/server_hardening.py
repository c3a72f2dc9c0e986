"""Hardening of the ASGI server process that loads this application (daphne/Twisted).

Twisted parses every ``multipart/form-data`` POST body into memory itself (``request.args``),
before daphne hands the body to Django: a 200 MB upload grew the process by ~3 GB, and an empty
boundary got a bare 400 from Twisted that the application never saw. Django parses multipart
(with our upload handlers and limits), so Twisted's own parsing is switched off. Nothing happens
when the process does not run daphne.
"""

import sys


def apply() -> None:
    module = sys.modules.get("daphne.http_protocol")
    if module is None:
        return
    request_class = module.WebRequest
    if getattr(request_class, "_wya_hardened", False):
        return
    original_init = request_class.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        self._parsePOSTFormSubmission = False  # Twisted's in-memory form parsing: off

    request_class.__init__ = __init__
    request_class._wya_hardened = True
