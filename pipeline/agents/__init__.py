"""Faust agents: they move records between topics and tables and call into ``detectors/``; no detection here."""
