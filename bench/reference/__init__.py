"""The baseline the benchmarks compare against, kept in the repository so a fork can run them.

* :mod:`.reference_detectors` — the original app's two detectors (DBSCAN over scaled columns,
  STL + its O(n²) ESD loop), reimplemented as they behaved;
* :mod:`.score` — the window scorer (TP per hit window, FN per missed one, FP per event
  outside every window, merge gap 1) and the NAB loader.

Source and licence: see README.md beside this file.
"""
