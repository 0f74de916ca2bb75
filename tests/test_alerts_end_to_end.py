import pytest
from django.core.management import call_command
from decisions.models import *
from tests.conftest import PUBLICATION_BALLERUP, FORMATS

pytestmark = pytest.mark.django_db

def test_explore(db, client):
    call_command("ingest", str(PUBLICATION_BALLERUP), "--municipality", "Ballerup Kommune")
    call_command("ingest", str(FORMATS / "firstagenda" / "dagsorden_oekonomiudvalget_2026-05-18.json"), "--municipality", "Hvidovre Kommune")
    for m in Meeting.objects.order_by("date"):
        print(m.pk, m.date, m.kind, m.committee.name, m.committee.slug, m.committee.municipality.slug, m.committee.municipality.name, m.written_generation, m.start_time)
        for it in m.items.order_by("number"):
            print("   ", it.number, it.title[:90], it.case.number if it.case_id else None, it.outcome)
