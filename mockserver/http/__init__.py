"""The aiohttp layer: the app factory, operation and control views, body reading and error mapping.

Imports `store`, `contract`, `control` and aiohttp. `errors.py` is the one place failures become HTTP.
"""
