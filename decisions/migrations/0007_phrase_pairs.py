"""Index the pairs of neighbouring words, so that phrases need not read every vector.

A phrase ("regnskab årsberetning") was matched by the GIN index on its words, and then every
item with all of them was checked against its stored vector for their positions: at 1M items,
48 681 items have both of these words and none has the phrase, and checking them took 0.7 s.
The GIN index item_phrase_pairs_gin holds each pair of neighbouring words of the search vector
as one lexeme (`regnskab årsberetning`), and a pair over one stop word with the stop word as
`_` (`ansøgning om midler` gives `ansøgning _ midl`), so it finds the items that have the
phrase's pairs, and only those are checked. It indexes an expression of the stored vector: a
stored column of the pairs took 9 GB at 1M items, and computed the vector a second time.

archive_word_pairs(vector) makes the pairs from the vector's positions (a stop word leaves its
position empty); search makes a phrase's pairs with it too (search.phrase_pairs). A vector
whose pairs would not fit in one tsvector (1 MB) gets the lexeme `*` instead, and search
checks such items against their vectors.
"""

from django.db import migrations, models

import decisions.models
import django.contrib.postgres.indexes

WORD_PAIRS = r"""
CREATE FUNCTION archive_word_pairs(document tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    WITH word AS (SELECT lexeme, unnest(positions) AS at FROM unnest(document)),
    pair AS (
        SELECT a.lexeme || ' ' || b.lexeme AS lexeme FROM word a JOIN word b ON b.at = a.at + 1
        UNION
        SELECT a.lexeme || ' _ ' || c.lexeme FROM word a JOIN word c ON c.at = a.at + 2
        WHERE NOT EXISTS (SELECT FROM word m WHERE m.at = a.at + 1)
    )
    SELECT CASE WHEN sum(octet_length(lexeme) + 4) > 1000000 THEN '*'::tsvector
                ELSE coalesce(array_to_tsvector(array_agg(lexeme)), ''::tsvector) END
    FROM pair WHERE octet_length(lexeme) < 2048
$$;
"""

DROP = "DROP FUNCTION archive_word_pairs(tsvector);"


class Migration(migrations.Migration):
    dependencies = [("decisions", "0006_search_vector_statistics")]

    operations = [
        migrations.RunSQL(WORD_PAIRS, DROP),
        migrations.AddIndex(
            model_name="agendaitem",
            index=django.contrib.postgres.indexes.GinIndex(
                decisions.models.WordPairs(models.F("search_vector")), name="item_phrase_pairs_gin"
            ),
        ),
        # As for the search vector (0006): the planner's estimate of a phrase's pairs chooses how
        # its newest matches are found. PostgreSQL keeps statistics for an index's expression.
        migrations.RunSQL(
            "ALTER INDEX item_phrase_pairs_gin ALTER COLUMN 1 SET STATISTICS 1000",
            "ALTER INDEX item_phrase_pairs_gin ALTER COLUMN 1 SET STATISTICS -1",
        ),
    ]
