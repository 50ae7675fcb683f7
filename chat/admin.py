"""Django admin for rooms, memberships and messages."""

from django.contrib import admin

from chat.models import Membership, Message, Room


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
