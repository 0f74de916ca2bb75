from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "decisions"
    verbose_name = _("Beslutninger")

    def ready(self) -> None:
        from decisions import checks, signals  # noqa: F401 (checks register themselves)

        signals.connect()
