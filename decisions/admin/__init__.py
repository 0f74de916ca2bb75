"""Django admin for clerks (group "Redaktør"): upload minutes with a preview, browse and correct
what the archive read, merge and split people, edit committee membership. In Danish.

meetings: committees, meetings, items, votes, absences, attachments, cases
people:   persons, spellings, memberships; merge, split, possible duplicates
upload:   "Upload referater" (preview, then confirm) through the one write path
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Beslutningsarkivet – redaktion")
admin.site.site_title = _("Beslutningsarkivet")
admin.site.index_title = _("Referater, personer og rettelser")

from decisions.admin import alerts, harvest, meetings, people  # noqa: E402,F401 - registers the model admins
