"""The memberships on the user's admin page (accounts.admin.UserAdmin), registered by AssociationsConfig.ready()."""

from django.contrib import admin
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy

from associations.models import Membership
from core.admin_inlines import PreloadedAutocompleteInlineMixin


class UserMembershipInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ("association", "member_since")
    readonly_fields = ("member_since",)
    autocomplete_fields = ("association",)
    verbose_name = gettext_lazy("association")
    verbose_name_plural = gettext_lazy("associations dont le compte est membre")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("association", "user")  # str(membership) names both

    @admin.display(description=gettext_lazy("membre depuis le"))
    def member_since(self, obj: Membership) -> str:
        return date_format(timezone.localdate(obj.created_at)) if obj.created_at else "–"
