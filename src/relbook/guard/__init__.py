"""Checks and exports that guard a runbook: lint, the GitHub Actions export, release metrics."""
