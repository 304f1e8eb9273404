from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("status/", views.status, name="status"),
    path("models/<str:lab>/<str:model>/availability.csv", views.availability_csv, name="availability_csv"),
]
