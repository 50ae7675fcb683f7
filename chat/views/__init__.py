"""The chat's pages and htmx partials, one module per part of the site.

Each view finds what it acts on through the reader's rights, calls a service and turns
the service's answer, or its ``chat.errors.Refused``, into a page or a partial.
"""
