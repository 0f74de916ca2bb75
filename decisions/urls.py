"""Public URLs. Meetings are addressed by committee slug and date, items by number, so
links survive re-ingest: /meetings/<committee>/<YYYY-MM-DD>/<number>/."""

from django.urls import path, register_converter

from decisions import feeds
from decisions.converters import IsoDateConverter
from decisions.views import api, cases, parties, people, public
from decisions.views.common import html_errors

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
    # Journalists' tools: case index and feed, people, parties, committee members, feeds, open data.
    path("cases/", cases.case_index, name="case-index"),
    path("cases/<str:number>/feed/", html_errors(feeds.CaseFeed()), name="case-feed"),
    path("people/", people.person_index, name="person-index"),
    path("people/<slug:slug>/", people.person_detail, name="person-detail"),
    path("people/<slug:slug>/votes.csv", people.person_csv, name="person-csv"),
    path("people/<slug:slug>/feed/", html_errors(feeds.PersonFeed()), name="person-feed"),
    path("parties/<str:letter>/", parties.party_detail, name="party-detail"),
    # "feed" and "members" never match the ISO date of meetings/<committee>/<date>/.
    path("meetings/<slug:committee>/feed/", html_errors(feeds.CommitteeFeed()), name="committee-feed"),
    path("meetings/<slug:committee>/members/", people.committee_members, name="committee-members"),
    path("search/feed/", html_errors(feeds.SearchFeed()), name="search-feed"),
    path("api/meetings/", api.meetings, name="api-meetings"),
    path("api/meetings/<int:pk>/", api.meeting_detail, name="api-meeting-detail"),
    path("api/cases/<str:number>/", api.case_detail, name="api-case-detail"),
    path("api/people/", api.people, name="api-people"),
    path("api/people/<slug:slug>/", api.person_detail, name="api-person-detail"),
    path("api/search/", api.search, name="api-search"),
    path("api/votes.csv", api.votes_csv, name="api-votes-csv"),
]
