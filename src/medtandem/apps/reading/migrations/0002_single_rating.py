"""One rating per superclass replaces the box + preset slider; provenance and session locks.

Existing reads: rating := the old 0-100 confidence that the superclass is present; the stored call
stays the box the reader ticked. A read whose box disagrees with the derived call (rating >= 50), or
whose five sliders all stayed at the preset 50, is flagged (see ``medtandem.apps.reading.rating``).
"""

from django.db import migrations, models

SUPERCLASSES = ("norm", "mi", "sttc", "cd", "hyp")


def flag_legacy_reads(apps, schema_editor):  # type: ignore[no-untyped-def]
    from medtandem.apps.reading.rating import legacy_flag

    Read = apps.get_model("reading", "Read")
    batch = []
    for read in (
        Read.objects.all()
        .only("pk", *SUPERCLASSES, *[f"rating_{s}" for s in SUPERCLASSES])
        .iterator()
    ):
        flag = legacy_flag(
            {s: getattr(read, s) for s in SUPERCLASSES},
            {s: getattr(read, f"rating_{s}") for s in SUPERCLASSES},
        )
        if flag:
            read.rating_flag = flag
            batch.append(read)
        if len(batch) >= 2000:
            Read.objects.bulk_update(batch, ["rating_flag"])
            batch = []
    if batch:
        Read.objects.bulk_update(batch, ["rating_flag"])


class Migration(migrations.Migration):
    dependencies = [("reading", "0001_initial")]

    operations = [
        *[migrations.RenameField("read", f"confidence_{s}", f"rating_{s}") for s in SUPERCLASSES],
        migrations.AddField(
            "read", "rating_flag", models.CharField(blank=True, default="", max_length=24)
        ),
        migrations.AddField("read", "seen_truth_before", models.BooleanField(default=False)),
        migrations.AddField(
            "readingsession", "locked_at", models.DateTimeField(blank=True, null=True)
        ),
        migrations.RunPython(flag_legacy_reads, migrations.RunPython.noop),
    ]
