from django.urls import path

from safety import views

urlpatterns = [
    path("reports/new/", views.report_new_page, name="report-new-page"),
    path("reports/", views.report_list_page, name="report-list-page"),
    path("notices/", views.notices_page, name="notices-page"),
    path("notices/<str:action_id>/appeal/", views.notice_appeal_page, name="notice-appeal-page"),
    path("appeal/ban/", views.ban_appeal_page, name="ban-appeal-page"),
]
