"""Serving the chat: the ``manage.py serve`` command's supervisor (one listening socket,
N daphne workers, restarts, stopping), the daphne server each process runs (graceful
stop, close codes, socket writes), the largest request body it keeps, and, in one module,
what that server needs of daphne, Twisted and autobahn beyond their public API.
"""
