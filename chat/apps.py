"""The chat app."""

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Close sockets whose session ends; keep every person's profile in step; call the
        hooks of the bots a new message mentions; take a deleted file or picture out of
        storage; close an HTTP request's database connection when it ends (ASGI)."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.core.handlers.asgi import ASGIHandler
        from django.core.signals import request_finished as request_finished_signal
        from django.db import connections
        from django.db.models.signals import post_delete, post_save

        from chat import accounts, attachments, bots, messages, profiles
        from chat.models import Attachment, Profile

        def logged_out(sender, request=None, user=None, **kwargs) -> None:
            if user is not None:
                session = getattr(request, "session", None)
                accounts.session_ended(user.pk, getattr(session, "session_key", None))

        def user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
            if created or update_fields is None or "username" in update_fields:
                accounts.record_profile(instance)
            if not created:
                accounts.user_changed(instance, update_fields=update_fields)

        def request_finished(sender, **kwargs) -> None:
            # Under ASGI, Django runs each request's sync code in a thread of its own
            # (asgiref's ThreadSensitiveContext), so the request's database connection
            # can never be reused; with CONN_MAX_AGE it stayed open until the garbage
            # collector found it, and a burst of page loads held one connection each (61
            # on one worker in bench/, past PostgreSQL's 100 with two). Closed here, in
            # that thread, as the request ends. Sockets keep theirs: Channels runs their
            # database work on one thread, where CONN_MAX_AGE saves a connect per event.
            if isinstance(sender, type) and issubclass(sender, ASGIHandler):
                for connection in connections.all(initialized_only=True):
                    if not connection.in_atomic_block:
                        connection.close()

        request_finished_signal.connect(request_finished, dispatch_uid="chat.request_finished")
        user_logged_out.connect(logged_out, dispatch_uid="chat.close_sockets_on_logout")
        post_save.connect(user_saved, sender=get_user_model(), dispatch_uid="chat.user_saved")
        # Bots' outgoing hooks follow new messages; chat.messages knows nothing of bots.
        messages.message_posted.connect(bots.message_posted, dispatch_uid="chat.bots.hooks")
        # However a file's row goes (its message deleted, or the room or author with it).
        post_delete.connect(
            attachments.forget_files, sender=Attachment, dispatch_uid="chat.forget_files"
        )
        post_delete.connect(
            profiles.forget_avatar, sender=Profile, dispatch_uid="chat.forget_avatar"
        )
