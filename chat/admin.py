"""Django admin for rooms, memberships and messages, and its accounts page."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from chat.models import Membership, Message, Room
from chat.people import accounts


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "kind", "created_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["title", "slug"]
    inlines = [MembershipInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "author", "created_at", "deleted"]
    list_filter = ["deleted", "room__kind"]
    search_fields = ["body", "author__username"]
    raw_id_fields = ["room", "author"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["room", "user", "joined_at", "last_read"]
    raw_id_fields = ["room", "user"]


class AccountAdmin(UserAdmin):
    """Django's own page for accounts. An account added here is one a person will use (on a
    closed instance, it is how people get one), so it gets what every such account gets:
    the default room and the lobby's welcome."""

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            accounts.welcome_new_account(obj)  # in the admin's transaction, with the account


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), AccountAdmin)
