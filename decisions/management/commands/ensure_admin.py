"""`manage.py ensure_admin`: create a first admin with a random password, once."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create an admin user with a random password if no superuser exists, and print the login once."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin", help="Username for the new admin (default: admin).")

    def handle(self, *args, username: str, **options) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin user exists already; no new login created.")
            return
        # 16 random URL-safe characters; checked against AUTH_PASSWORD_VALIDATORS all the same,
        # so the printed password is one the admin's own password form would have accepted.
        password = secrets.token_urlsafe(12)
        try:
            validate_password(password, User(username=username))
        except ValidationError as error:
            raise CommandError(f"The generated password fails the password validators: {error.messages}") from error
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Created admin user {username!r} with password {password!r}."))
        self.stdout.write("This password is shown once; change it in the admin under /admin/.")
