from django.urls import path

from sessions.web import exports, views

app_name = "runs"
urlpatterns = [
    # First: in a join storm these are nearly every request, and patterns are tried in order.
    path("join/", views.join_code, name="join-code"),
    path("join/<str:code>/", views.join, name="join"),
    path("runs/", views.run_list, name="list"),
    path("runs/new/", views.run_new, name="new"),
    path("runs/<str:code>/", views.participant_view, name="participant"),
    path("runs/<str:code>/me/", views.my_data, name="my-data"),
    path("runs/<str:code>/me/download/", views.my_data_download, name="my-data-download"),
    path("runs/<str:code>/slides/<int:number>/", views.browse_slide, name="browse-slide"),
    path("runs/<str:code>/console/", views.console, name="console"),
    path("runs/<str:code>/host/", views.host, name="host"),
    path("runs/<str:code>/present/", views.present, name="present"),
    path("runs/<str:code>/screen/", views.screen, name="screen"),
    path("runs/<str:code>/agenda/", views.agenda, name="agenda"),
    path("runs/<str:code>/qr.svg", views.qr, name="qr"),
    path("runs/<str:code>/report/", views.report, name="report"),
    path(
        "runs/<str:code>/report/export/interaction/<str:key>.csv",
        exports.export_interaction,
        name="export-interaction",
    ),
    path("runs/<str:code>/report/export/<str:what>/", exports.export, name="export"),
    path("runs/<str:code>/settings/", views.run_settings, name="settings"),
    path("runs/<str:code>/team/", views.team_add, name="team-add"),
    path("runs/<str:code>/team/<int:member_id>/remove/", views.team_remove, name="team-remove"),
    path("runs/<str:code>/invites/", views.invite_create, name="invite-create"),
    path(
        "runs/<str:code>/invites/<int:invite_id>/revoke/",
        views.invite_revoke,
        name="invite-revoke",
    ),
    path("invite/<str:token>/", views.invite_accept, name="invite"),
]
