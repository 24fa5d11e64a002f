from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from medtandem.apps.accounts.models import Cohort, Institution, RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(User)
class MedTandemUserAdmin(UserAdmin):
    inlines = [RoleInline]
    list_display = ("username", "first_name", "last_name", "profession", "institution", "is_simulated")
    list_filter = ("profession", "is_simulated", "role_assignments__role")
    fieldsets = UserAdmin.fieldsets + (  # type: ignore[operator]
        ("MedTandem", {"fields": ("profession", "practice_status", "study_year", "years_experience",
                                  "prior_ecg_training", "institution", "is_simulated")}),
    )


admin.site.register(Institution)
admin.site.register(Cohort)
