"""Stateful mock of the Infrai errors API."""
