"""``auto`` as of commit 766858e: the speed yardstick.

``auto.py``, ``auto_fast.py`` and ``auto_period.py`` are that commit's
``model/trends_anomaly/`` files, byte-for-byte; the two modules beside them let their
relative imports (``.types``, ``.timeaxis``) resolve to today's shared data types, which
kept every field that code uses.
"""

from .auto import detect_auto

__all__ = ["detect_auto"]
