from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from medtandem.apps.jobs import services
from medtandem.apps.jobs.models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Administrators see every job, filter the failed ones and retry them."""

    list_display = (
        "name",
        "state",
        "attempts",
        "max_attempts",
        "created_at",
        "finished_at",
        "short_error",
    )
    list_filter = ("state", "name")
    search_fields = ("name", "key", "last_error")
    readonly_fields = [f.name for f in JobRun._meta.fields]
    actions = ["retry_now"]

    @admin.display(description=_("dernière erreur"))
    def short_error(self, obj: JobRun) -> str:
        return obj.last_error.splitlines()[-1][:120] if obj.last_error else ""

    @admin.action(description=_("Relancer les tâches en échec"))
    def retry_now(self, request: HttpRequest, queryset: QuerySet[JobRun]) -> None:
        n = services.retry(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(n)d tâche(s) relancée(s).") % {"n": n}, messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: JobRun | None = None) -> bool:
        return False
