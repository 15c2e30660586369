from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from rest_framework_simplejwt.token_blacklist.admin import OutstandingTokenAdmin as JWTOutstandingTokenAdmin
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from .models import Invite, Membership, Organization, RevokedTokenFamily, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "date_joined"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "plan", "timezone", "created_at"]
    search_fields = ["name"]
    list_filter = ["plan"]
    inlines = [MembershipInline]


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "created_at", "accepted_at"]
    exclude = ["token_hash"]


# simplejwt's own admin shows each outstanding refresh JWT in full: anyone who can read the admin
# could act as its user. Here the token value is never shown.
admin.site.unregister(OutstandingToken)


@admin.register(OutstandingToken)
class OutstandingTokenAdmin(JWTOutstandingTokenAdmin):
    SHOWN = ["jti", "user", "created_at", "expires_at"]
    list_display = SHOWN
    search_fields = ["user__email", "jti"]

    def get_fields(self, request, obj=None):
        return self.SHOWN

    def get_readonly_fields(self, request, obj=None):
        return self.SHOWN


@admin.register(RevokedTokenFamily)
class RevokedTokenFamilyAdmin(admin.ModelAdmin):
    list_display = ["family", "user", "reason", "revoked_at"]
    search_fields = ["user__email"]
