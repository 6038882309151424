"""The model server's own parts, which know no model: what a fork keeps when it replaces the
model package.

A model's app is ``app.create_app(__name__, handler, max_payload_bytes)``: the server reads
the request (``admission``: big bodies a few at a time, within a deadline), hands the model's
``handler`` an ``invocation.Invocation`` and writes its ``invocation.Answer``, one JSON log
line, and every error in one JSON shape (``errors``, ``error_shape``), the 413, 408 and 414
it answers itself in the model's words if it gives them (``hints``). gunicorn_conf.py takes
from here the worker count (``workers``), the gevent worker class (``gevent_worker``, which
answers what gunicorn refuses in that shape: ``http_errors``), the logger class
(``server_log``, masking with ``tracebacks``) and its settings from the environment, each
refused at start in one line when it is not one (``environment``); its start hook loads
``MODEL_APP``'s app and refuses, in one line, one that is missing or no WSGI app
(``model_app``). Which app is served is ``MODEL_APP`` in ``serve`` (model/README.md).
"""
