"""Tell the planner what computing an item's word pairs costs.

archive_word_pairs (migration 0007) takes about 0.6 ms a vector, but the planner counts a SQL
function at its default cost of 100 operators (0.25, a quarter of reading a page). For the
newest items of a short date slice it then preferred the date index alone and computed the
pairs of every item in the slice to test them: `"socialt bedrageri" or "kommunens
kassebeholdning"` took 2.5 s at 1M items, against 44 ms through the pair index. At 50 000
operators (125, about a hundred page reads) the pairs are read from their index wherever one
can answer.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("decisions", "0008_case_number_bytes"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER FUNCTION archive_word_pairs(tsvector) COST 50000",
            reverse_sql="ALTER FUNCTION archive_word_pairs(tsvector) COST 100",
        ),
    ]
