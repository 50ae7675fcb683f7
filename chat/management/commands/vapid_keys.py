"""``manage.py vapid_keys``: show the public VAPID key Web Push signs with (made and kept
in the database on first need, ``chat.people.push``); ``--rotate`` makes a new pair in its
place and forgets every subscription (each browser subscribes again on its next visit)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from chat.people import push


class Command(BaseCommand):
    help = "Show the Web Push (VAPID) public key; --rotate replaces the key pair."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="make a new key pair and forget every push subscription",
        )

    def handle(self, *args, rotate: bool = False, **options) -> None:
        if rotate:
            public = push.rotate()
            self.stdout.write("A new key pair is in place; every push subscription was dropped.")
        else:
            public = push.keys()[1]
        self.stdout.write(public)
