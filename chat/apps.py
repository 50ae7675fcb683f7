"""The chat app."""

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Close sockets whose session ends; keep every person's profile in step; call the
        hooks of the bots a new message mentions; push it to the devices of those away;
        feed every change to the bots that follow their room; take a deleted file or
        picture out of storage; keep the address a person signs in from; log staff's
        deletions; close an HTTP request's database connection when it ends (ASGI); know
        every background task (``chat.tasks``), in the consumer and in the processes that
        enqueue them.

        Every receiver is a module-level function (``chat.receivers`` and the services):
        signals hold receivers weakly, so one defined in here would not outlive this call.
        """
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.core.signals import request_finished
        from django.db.models.signals import post_delete, post_save

        from chat import receivers, tasks  # noqa: F401 - tasks registers them with huey
        from chat.bots import feed as bot_feed
        from chat.bots import services as bots
        from chat.messages import attachments, edits, previews
        from chat.messages import posting as messages
        from chat.models import Attachment, LinkPreview, Profile
        from chat.people import audit, moderation, profiles, push_delivery
        from chat.rooms import admin as room_admin
        from chat.rooms import services as rooms

        request_finished.connect(receivers.request_finished, dispatch_uid="chat.request_finished")
        user_logged_out.connect(receivers.logged_out, dispatch_uid="chat.close_sockets_on_logout")
        user_logged_in.connect(receivers.logged_in, dispatch_uid="chat.last_address")
        post_save.connect(
            receivers.user_saved, sender=get_user_model(), dispatch_uid="chat.user_saved"
        )
        # Bots' outgoing hooks follow new messages; chat.messages.posting knows nothing of
        # bots.
        messages.message_posted.connect(bots.message_posted, dispatch_uid="bot_hooks")
        # Bots' event feeds follow every committed change of a room (and importing the module
        # registers its task with the queue's consumer).
        messages.revision_taken.connect(bot_feed.revision_taken, dispatch_uid="bot_feeds")
        # Link previews follow new and edited messages, which know nothing of them.
        messages.message_posted.connect(previews.message_posted, dispatch_uid="link_previews")
        edits.message_edited.connect(previews.message_edited, dispatch_uid="link_previews_edit")
        # Web Push follows new messages (and registers its task with the queue's consumer).
        messages.message_posted.connect(push_delivery.message_posted, dispatch_uid="web_push")
        # Staff deleting someone else's message goes to the audit log (chat.people knows
        # of messages, not the other way round).
        edits.deleted_by_staff.connect(moderation.record_deletion, dispatch_uid="audit_deletions")
        rooms.member_left.connect(bots.member_left, dispatch_uid="bots_of_leavers")
        # What staff do to a room is logged; rooms sit under people and cannot log it.
        room_admin.room_administered.connect(audit.room_administered, dispatch_uid="room_audit")
        # However a file's row goes (its message deleted, or the room or author with it).
        post_delete.connect(
            attachments.forget_files, sender=Attachment, dispatch_uid="chat.forget_files"
        )
        post_delete.connect(
            previews.forget_picture, sender=LinkPreview, dispatch_uid="chat.forget_preview"
        )
        post_delete.connect(
            profiles.forget_avatar, sender=Profile, dispatch_uid="chat.forget_avatar"
        )
