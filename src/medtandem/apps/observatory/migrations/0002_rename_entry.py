from django.db import migrations


class Migration(migrations.Migration):
    """The one-row-per-model table becomes the registry's per-version entry."""

    dependencies = [("observatory", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(model_name="aiapplication", name="one_entry_per_model_version"),
        migrations.RenameModel("AIApplication", "ApplicationVersion"),
    ]
