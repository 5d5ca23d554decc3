"""Test control without HTTP: the request journal, injected faults and one server's state.

Imports the standard library, `store` and `contract`; never aiohttp.
"""
