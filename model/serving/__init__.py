"""The model server's own parts, which know no model: what a fork keeps when it replaces the
model package.

gunicorn_conf.py takes from here the worker count (``workers``), the gevent worker class
(``gevent_worker``, which answers what gunicorn refuses in the JSON error shape of
``http_errors`` and ``error_shape``) and the logger class (``server_log``, masking with
``tracebacks``); a model's app takes body admission (``admission``), the error shape and the
masking. Which app is served is ``MODEL_APP`` in ``serve`` (model/README.md).
"""
