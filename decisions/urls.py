"""Public URLs. Meetings are addressed by committee slug and date, items by number, so
links survive re-ingest: /meetings/<committee>/<YYYY-MM-DD>/<number>/."""

from django.urls import path, register_converter

from decisions.converters import IsoDateConverter
from decisions.views import cases, public

register_converter(IsoDateConverter, "isodate")

app_name = "decisions"

urlpatterns = [
    path("", public.home, name="home"),
    path("search/", public.search, name="search"),
    path("meetings/<slug:committee>/", public.committee_detail, name="committee-detail"),
    path("meetings/<slug:committee>/<isodate:date>/", public.meeting_detail, name="meeting-detail"),
    path("meetings/<slug:committee>/<isodate:date>/referat.txt", public.meeting_source, name="meeting-source"),
    path("meetings/<slug:committee>/<isodate:date>/<int:number>/", public.item_detail, name="item-detail"),
    path("cases/<str:number>/", cases.case_detail, name="case-detail"),
]
