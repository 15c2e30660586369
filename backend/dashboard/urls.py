from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("signup/", views.signup_view, name="signup"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.language_view, name="language"),
    path("organization/", views.organization_switch, name="organization"),
    path("stats/", views.stats_partial, name="stats"),
    path("posts/table/", views.table_partial, name="table"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/<str:action>/", views.post_action, name="post-action"),
    path("compose/", views.compose_view, name="compose"),
    path("compose/check/", views.compose_check, name="compose-check"),
    path("accounts/", views.accounts_view, name="accounts"),
    path("accounts/connect/", views.account_connect, name="account-connect"),
    path("accounts/<int:pk>/disconnect/", views.account_disconnect, name="account-disconnect"),
    path("accounts/<int:pk>/slots/", views.account_slots, name="account-slots"),
    path("accounts/oauth/<str:platform>/start/", views.oauth_start_view, name="oauth-start"),
    path("accounts/oauth/<str:platform>/callback/", views.oauth_callback_view, name="oauth-callback"),
    path("members/", views.members_view, name="members"),
    path("invites/<str:token>/", views.invite_view, name="invite"),
    path("studio/", views.studio_view, name="studio"),
]
