from django.db import migrations, models
from django.utils.text import slugify


def fill(apps, schema_editor):
    """Each existing entry (a MedTandem model version) gets its application and status."""
    Application = apps.get_model("observatory", "Application")
    Version = apps.get_model("observatory", "ApplicationVersion")
    for entry in Version.objects.all():
        app, _ = Application.objects.get_or_create(
            source="medtandem",
            source_ref=entry.name,
            defaults={
                "slug": slugify(entry.name)[:140],
                "name": entry.name,
                "provider": entry.developer,
                "task": "ECG 12 dérivations",
                "modality": "ECG",
                "region": "France",
            },
        )
        entry.application = app
        entry.published = True
        entry.status = "in_service" if entry.in_service else "withdrawn"
        entry.save(update_fields=["application", "published", "status"])


class Migration(migrations.Migration):
    dependencies = [("observatory", "0003_registry_monitoring_incidents_hurdles")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="applicationversion",
            name="application",
            field=models.ForeignKey(
                on_delete=models.deletion.CASCADE,
                related_name="versions",
                to="observatory.application",
            ),
        ),
    ]
