from django.urls import path

from messaging import views

urlpatterns = [
    path("dms/", views.dm_list_page, name="dm-list-page"),
    path("dms/<str:user_id>/", views.dm_thread_page, name="dm-thread"),
    path("dms/<str:user_id>/send/", views.dm_send_page, name="dm-send-page"),
    path(
        "dms/<str:user_id>/first-contact/dismiss/",
        views.first_contact_dismiss_page,
        name="dm-first-contact-dismiss-page",
    ),
]
