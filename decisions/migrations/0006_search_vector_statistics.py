"""Keep statistics for the 4 000 most common lexemes of the search vector (default: about 1 000).

The planner's estimate of a word's matches chooses how search finds the newest matches
(search.candidate_plan); without statistics for a word it assumes about 1 % of the items,
so words in 1-5 % of them were all estimated alike.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("decisions", "0005_item_meeting_date")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE decisions_agendaitem ALTER COLUMN search_vector SET STATISTICS 1000",
            "ALTER TABLE decisions_agendaitem ALTER COLUMN search_vector SET STATISTICS -1",
        )
    ]
