from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from accounts import views as accounts_views
from core import views as core_views
from impact.todo import admin_index_with_todo
from portal import urls as portal_urls
from portal.views import pages as portal_pages

admin.site.site_header = _("Dons d'ordinateurs – administration")
admin.site.site_title = _("Dons d'ordinateurs")
admin.site.index_title = _("Tableau de bord")
# The admin has no login of its own: the site's (allauth), with its failed-login limits and the second factor.
admin.site.login = accounts_views.admin_login(admin.site.login)
# The admin home shows each staff member the work of their roles (impact.todo), above the apps.
admin.site.index = admin_index_with_todo(admin.site.index)

urlpatterns = [
    path("", portal_pages.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("privacy/", portal_pages.privacy, name="privacy"),
    path("accessibility/", portal_pages.accessibility, name="accessibility"),
    path("i18n/setlang/", portal_pages.set_language, name="set_language"),
    # allauth's confirmation page, which also says « already confirmed » to a link opened twice.
    re_path(
        r"^accounts/confirm-email/(?P<key>[-:\w]+)/$",
        accounts_views.ConfirmEmailView.as_view(),
        name="account_confirm_email",
    ),
    path("accounts/", include("allauth.urls")),
    path("space/my-data.json", accounts_views.my_data, name="my_data"),
    path("space/account/", accounts_views.account, name="account"),
    path("space/account/delete/", accounts_views.account_delete, name="account_delete"),
    # The portal's pages under the apps' namespaces (certificates and impact: with the apps' own pages).
    path("space/support/", include((portal_urls.support, "support"))),
    path("space/", include((portal_urls.associations, "associations"))),
    path("", include((portal_urls.donations, "donations"))),
    path("", include((portal_urls.certificates, "certificates"))),
    path("", include((portal_urls.impact, "impact"))),
    path("", include((portal_urls.donors, "donors"))),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]
