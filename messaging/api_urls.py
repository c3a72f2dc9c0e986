from django.urls import path

from messaging import api

urlpatterns = [
    path("ws-ticket/", api.WsTicketApi.as_view(), name="ws-ticket"),
    path("dms/", api.ConversationListApi.as_view(), name="dm-list"),
    path(
        "dms/<str:user_id>/messages/",
        api.ConversationMessagesApi.as_view(),
        name="dm-messages",
    ),
    path(
        "dms/<str:user_id>/first-contact/dismiss/",
        api.FirstContactDismissApi.as_view(),
        name="dm-first-contact-dismiss",
    ),
    path("presence/", api.PresenceApi.as_view(), name="presence"),
]
