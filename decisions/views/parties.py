"""Party pages: members seen, how the party's members voted, and party-bloc votes."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from decisions import records
from decisions.parties import canonical_letter
from decisions.views.common import html_errors, paginate

GROUPS_PER_PAGE = 100


@html_errors
def party_detail(request: HttpRequest, letter: str) -> HttpResponse:
    canonical = canonical_letter(letter)
    if canonical and canonical != letter:
        return redirect("decisions:party-detail", letter=canonical, permanent=True)
    party = records.party_overview(letter=letter)
    groups = paginate(request, party.vote_groups, GROUPS_PER_PAGE)
    rows = records.party_vote_rows(groups=list(groups.object_list))
    return render(request, "decisions/party_detail.html", {"party": party, "groups": groups, "rows": rows})
