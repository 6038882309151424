"""Google Trends anomaly detector served as a SageMaker bring-your-own-container model.

Modules, from the outside in: ``app`` (Flask, thin) → ``contract`` (request → parameters →
answer, errors) → ``trends`` (CSV parsing) and ``detect`` (method dispatch) → the detectors
``auto``, ``stl`` + ``esd`` and ``dbscan``.
"""

__version__ = "0.1.0"
