import pytest
from decisions.models import *

pytestmark = pytest.mark.django_db

def test_explore(ingested):
    for m in Meeting.objects.order_by("date"):
        print(m.pk, m.date, m.kind, m.committee.name, m.committee.slug, m.committee.municipality.slug, m.written_generation)
        for it in m.items.order_by("number"):
            print("   ", it.number, it.title[:70], it.case.number if it.case_id else None, it.outcome, it.votes.count())
    for p in Person.objects.all()[:80]:
        print("P", p.slug, p.name, Vote.objects.filter(person=p).count())
    print(Municipality.objects.values_list("slug", "name"))
    from decisions.search import archive_generation
    print("gen", archive_generation())
