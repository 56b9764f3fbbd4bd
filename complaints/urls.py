from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path(
        "attachments/<int:pk>/download/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("<int:pk>/letter/<str:kind>/", views.letter, name="letter"),
]
