from django.contrib import admin
from django.urls import include, path

from dpup_workshop import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Runs first: joining and the live views are what a busy server mostly answers.
    path("", include("sessions.web.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("decks/", include("slides.urls")),
]
