"""The chat app."""

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Close a user's sockets the moment they log out."""
        from django.contrib.auth.signals import user_logged_out

        from chat.services import end_sessions

        def close_sockets(sender, user=None, **kwargs) -> None:
            if user is not None:
                end_sessions(user.pk)

        user_logged_out.connect(close_sockets, dispatch_uid="chat.close_sockets_on_logout")
