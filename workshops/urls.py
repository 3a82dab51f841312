from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from workshops import map_views, similar_views, summary_views, views
from workshops.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("workshops/", views.workshop_list, name="workshop_list"),
    path("join/", views.join, name="join"),
    path("join/<str:code>/", views.join_code, name="join_code"),
    path("w/<slug:slug>/", views.room, name="room"),
    path("w/<slug:slug>/op/", views.room_op, name="room_op"),
    path("w/<slug:slug>/present/", views.present, name="present"),
    path("w/<slug:slug>/similar/", similar_views.similar_notes, name="similar_notes"),
    path("w/<slug:slug>/folded/", similar_views.folded_notes, name="folded_notes"),
    path("w/<slug:slug>/qr.svg", views.join_qr, name="join_qr"),
    path("w/<slug:slug>/prepare/", views.prepare, name="prepare"),
    path("w/<slug:slug>/summary/", summary_views.summary, name="summary"),
    path("w/<slug:slug>/summary.pdf", summary_views.summary_pdf_view, name="summary_pdf"),
    path("w/<slug:slug>/share/", summary_views.share_link_create, name="share_link_create"),
    path("w/<slug:slug>/share/<int:pk>/revoke/", summary_views.share_link_revoke, name="share_link_revoke"),
    path("s/<slug:token>/", summary_views.shared_summary, name="shared_summary"),
    path("s/<slug:token>/summary.pdf", summary_views.shared_summary_pdf, name="shared_summary_pdf"),
    path("s/<slug:token>/export/<str:fmt>/", summary_views.shared_map_export, name="shared_map_export"),
    path("workshops/import/", map_views.map_import, name="map_import"),
    path("w/<slug:slug>/export/<str:fmt>/", map_views.map_export, name="map_export"),
    path("w/<slug:slug>/duplicate/", map_views.map_duplicate, name="map_duplicate"),
    path("w/<slug:slug>/review/", map_views.map_review, name="map_review"),
    path("w/<slug:slug>/follow-up/", map_views.map_follow_up, name="map_follow_up"),
    path("w/<slug:slug>/archive/", map_views.map_archive, name="map_archive"),
    path("w/<slug:slug>/delete/", map_views.map_delete, name="map_delete"),
    path("w/<slug:slug>/compare/", map_views.map_compare_pick, name="map_compare_pick"),
    path("w/<slug:slug>/compare/<slug:other>/", map_views.map_compare, name="map_compare"),
    path("personas/", views.persona_list, name="persona_list"),
    path("personas/<int:pk>/", views.persona_edit, name="persona_edit"),
]
