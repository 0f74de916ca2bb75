"""Public URLs. Everything of a municipality lives under its slug; meetings are addressed by
committee slug and date, items by number, so links survive re-ingest:
/<municipality>/meetings/<committee>/<YYYY-MM-DD>/<number>/. The archive's national pages
(search, the case and person indexes, the API's lists) have no municipality in their URL."""

from django.urls import path, register_converter

from decisions import feeds
from decisions.converters import CaseNumberConverter, IsoDateConverter
from decisions.views import alerts, api, cases, legacy, parties, people, public
from decisions.views.common import html_errors

register_converter(IsoDateConverter, "isodate")
register_converter(CaseNumberConverter, "case")

app_name = "decisions"

municipality_patterns = [
    path("<slug:municipality>/", public.municipality_detail, name="municipality-detail"),
    path("<slug:municipality>/meetings/<slug:committee>/", public.committee_detail, name="committee-detail"),
    # "feed" and "members" never match the ISO date of meetings/<committee>/<date>/.
    path(
        "<slug:municipality>/meetings/<slug:committee>/feed/",
        html_errors(feeds.CommitteeFeed()),
        name="committee-feed",
    ),
    path(
        "<slug:municipality>/meetings/<slug:committee>/members/",
        people.committee_members,
        name="committee-members",
    ),
    path(
        "<slug:municipality>/meetings/<slug:committee>/<isodate:date>/",
        public.meeting_detail,
        name="meeting-detail",
    ),
    path(
        "<slug:municipality>/meetings/<slug:committee>/<isodate:date>/referat.txt",
        public.meeting_source,
        name="meeting-source",
    ),
    path(
        "<slug:municipality>/meetings/<slug:committee>/<isodate:date>/<int:number>/",
        public.item_detail,
        name="item-detail",
    ),
    # Case numbers may hold "/" (12/27845): the feed's route comes before the page's.
    path("<slug:municipality>/cases/<case:number>/feed/", html_errors(feeds.CaseFeed()), name="case-feed"),
    path("<slug:municipality>/cases/<case:number>/", cases.case_detail, name="case-detail"),
    path("<slug:municipality>/people/<slug:slug>/", people.person_detail, name="person-detail"),
    path("<slug:municipality>/people/<slug:slug>/votes.csv", people.person_csv, name="person-csv"),
    path("<slug:municipality>/people/<slug:slug>/feed/", html_errors(feeds.PersonFeed()), name="person-feed"),
]

urlpatterns = [
    path("", public.home, name="home"),
    path("search/", public.search, name="search"),
    path("search/feed/", html_errors(feeds.SearchFeed()), name="search-feed"),
    # Journalists' tools across the archive: case index, people, parties, open data.
    path("cases/", cases.case_index, name="case-index"),
    path("people/", people.person_index, name="person-index"),
    path("parties/<str:letter>/", parties.party_detail, name="party-detail"),
    # E-mail alerts: subscribe from a page, confirm, unsubscribe, an address's own page.
    path("alerts/subscribe/", alerts.subscribe, name="alert-subscribe"),
    path("alerts/sent/", alerts.sent, name="alert-sent"),
    path("alerts/confirm/<str:token>/", alerts.confirm, name="alert-confirm"),
    path("alerts/unsubscribe/<str:token>/", alerts.unsubscribe, name="alert-unsubscribe"),
    path("alerts/end-all/<str:token>/", alerts.end_all, name="alert-end-all"),
    path("alerts/manage/", alerts.request_link, name="alert-request-link"),
    path("alerts/manage/<str:token>/", alerts.manage, name="alert-manage"),
    path("api/meetings/", api.meetings, name="api-meetings"),
    path("api/meetings/<int:pk>/", api.meeting_detail, name="api-meeting-detail"),
    path("api/people/", api.people, name="api-people"),
    path("api/search/", api.search, name="api-search"),
    path("api/votes.csv", api.votes_csv, name="api-votes-csv"),
    path("api/<slug:municipality>/cases/<case:number>/", api.case_detail, name="api-case-detail"),
    path("api/<slug:municipality>/people/<slug:slug>/", api.person_detail, name="api-person-detail"),
    # The URLs of the archive before it held more than one municipality (printed in newspapers,
    # linked from elsewhere) answer 301 with the same page under the default municipality.
    path("meetings/<path:rest>", legacy.default_municipality, {"section": "meetings"}),
    path("cases/<path:rest>", legacy.default_municipality, {"section": "cases"}),
    path("people/<path:rest>", legacy.default_municipality, {"section": "people"}),
    path("api/cases/<path:rest>", legacy.default_municipality, {"section": "cases", "api": True}),
    path("api/people/<path:rest>", legacy.default_municipality, {"section": "people", "api": True}),
    *municipality_patterns,
]
