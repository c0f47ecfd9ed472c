"""Strategies: the book of playbooks and thresholds, signals, meta-label and allocation."""
