from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from medtandem.apps.accounts.models import Cohort, Institution, RoleAssignment, User
from medtandem.apps.accounts.services import grant_role, revoke_role


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(User)
class MedTandemUserAdmin(UserAdmin):
    inlines = [RoleInline]
    list_display = (
        "username",
        "first_name",
        "last_name",
        "profession",
        "institution",
        "is_simulated",
    )
    list_filter = ("profession", "is_simulated", "role_assignments__role")
    # UserAdmin.fieldsets is typed Optional in django-stubs; Django defines it.
    fieldsets = UserAdmin.fieldsets + (  # type: ignore[operator]
        (
            "MedTandem",
            {
                "fields": (
                    "profession",
                    "practice_status",
                    "study_year",
                    "years_experience",
                    "prior_ecg_training",
                    "institution",
                    "is_simulated",
                )
            },
        ),
    )

    # Untyped as in Django: request.user is typed User | AnonymousUser, and only staff reach the admin.
    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        """Roles changed in the admin go through the accounts services, so each change is audited."""
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            revoke_role(obj.user, obj.role, obj.institution, by=request.user)
        for obj, _fields in formset.changed_objects:
            original = RoleAssignment.objects.get(pk=obj.pk)
            revoke_role(original.user, original.role, original.institution, by=request.user)
            grant_role(obj.user, obj.role, obj.institution, by=request.user)
        for obj in formset.new_objects:
            grant_role(form.instance, obj.role, obj.institution, by=request.user)
        return None


admin.site.register(Institution)
admin.site.register(Cohort)
