"""Calibration: how often the stated chance of meeting each goal came true, over simulated plan
years (`python -m qjgov.calibrate`, writes docs/calibration.md)."""
