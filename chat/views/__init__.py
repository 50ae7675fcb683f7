"""The chat's pages and htmx partials, one thin module per page.

Each view finds what it acts on through the reader's rights (a conversation through
``scope.conversation_view``, a message through ``messages.message_view``), asks a service
and renders its answer. A refusal it lets through is answered by ``refusals``'s
middleware; a view catches only what its own form shows again (``refusals.form_holding``).
"""
