from django.db import migrations, models


class Migration(migrations.Migration):
    """Copy each meeting's date onto its items, so that searches order by one indexed column."""

    dependencies = [("decisions", "0004_printed_names_and_danish_labels")]

    operations = [
        migrations.AddField(
            model_name="agendaitem",
            name="meeting_date",
            field=models.DateField(null=True, verbose_name="mødedato"),
        ),
        migrations.RunSQL(
            "UPDATE decisions_agendaitem i SET meeting_date = m.date FROM decisions_meeting m WHERE m.id = i.meeting_id",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="agendaitem",
            name="meeting_date",
            field=models.DateField(verbose_name="mødedato"),
        ),
        migrations.AddIndex(
            model_name="agendaitem",
            index=models.Index(fields=["meeting_date"], name="item_meeting_date"),
        ),
    ]
