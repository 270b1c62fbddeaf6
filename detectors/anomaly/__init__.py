"""Anomaly detection on per-subject window statistics: baselines, the crisis score and its assessment.

>>> from detectors.anomaly import CrisisDetector
>>> CrisisDetector().score_one({"volume": 10.0}, 0.0).warming_up
True
"""

from detectors.anomaly.assessment import SIGNALS, Assessment
from detectors.anomaly.crisis_detector import CrisisDetector
from detectors.anomaly.seasonal_baseline import SeasonalBaseline

__all__ = ["SIGNALS", "Assessment", "CrisisDetector", "SeasonalBaseline"]
