"""Tiny shared library for the services and the gateway: no domain words live here."""
