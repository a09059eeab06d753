"""People in the admin: Django's own pages, with "Sign out everywhere"."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from sessions.domain.signins import sign_out_everywhere

User = get_user_model()


@admin.action(
    description="Sign out everywhere (ends every session and closes open pages)",
    permissions=["change"],
)
def sign_out(modeladmin, request, queryset) -> None:
    ended = sum(sign_out_everywhere(user) for user in queryset)
    people = len(queryset)
    messages.success(
        request,
        f"Signed out {people} {'person' if people == 1 else 'people'} everywhere: "
        f"{ended} session{'' if ended == 1 else 's'} ended.",
    )


class PeopleAdmin(UserAdmin):
    actions = [sign_out]


admin.site.unregister(User)
admin.site.register(User, PeopleAdmin)
