"""Notifications and on-call (contract §8)."""
