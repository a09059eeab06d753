from django.urls import path

from slides import views

app_name = "slides"
urlpatterns = [
    path("", views.deck_list, name="deck-list"),
    path("<slug:slug>/", views.deck_detail, name="deck"),
    path("<slug:slug>/<int:number>/", views.slide_preview, name="slide"),
]
