"""Administrators edit frameworks, programmes, modules, activities and quizzes here."""

from django.contrib import admin

from medtandem.apps.curriculum.models import (
    Activity,
    Answer,
    Attestation,
    Competency,
    Domain,
    Enrolment,
    Framework,
    Module,
    Programme,
    Question,
    Quiz,
)


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class CompetencyInline(admin.TabularInline):
    model = Competency
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    inlines = [DomainInline]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ("name", "framework", "hours", "position")
    list_filter = ("framework",)
    inlines = [CompetencyInline]


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ("title", "position", "domain", "hybrid_competency")


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "hours", "is_published", "self_enrolment")
    list_filter = ("kind", "is_published")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [ModuleInline]


class ActivityInline(admin.StackedInline):
    model = Activity
    extra = 0
    filter_horizontal = ("competencies",)


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ("title", "programme", "position", "domain")
    list_filter = ("programme",)
    filter_horizontal = ("prerequisites",)
    inlines = [ActivityInline]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("name", "quiz", "kind", "position")
    list_filter = ("kind", "quiz")
    inlines = [AnswerInline]


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ("title", "pass_mark", "max_attempts")


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ("learner", "programme", "source", "enrolled_at", "completed_at")
    list_filter = ("programme", "source")
    raw_id_fields = ("learner", "enrolled_by")


@admin.register(Attestation)
class AttestationAdmin(admin.ModelAdmin):
    list_display = ("code", "learner_name", "programme_title", "issued_at", "revoked_at")
    search_fields = ("code", "learner_name")
    readonly_fields = ("enrolment", "code", "issued_at", "learner_name", "programme_title", "hours")


admin.site.register(Activity)
