"""The Django project package: settings, urls and the ASGI application.

Python's own ``site`` module shadows this name; ``manage.py`` attaches this
folder to that module's search path, so this file itself never runs.
"""
