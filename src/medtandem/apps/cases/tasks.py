"""Background jobs of the case bank."""

from __future__ import annotations

from medtandem.apps.jobs import job, periodic


@job("cases.cache_predictions", max_attempts=5, backoff_s=30.0, lease_s=1800.0)
def cache_missing_predictions() -> dict[str, object]:
    """Cache the in-service model's suggestion for every case that lacks one (idempotent).

    Enqueue it after registering a model (``enqueue("cases.cache_predictions", key=f"predictions:{name}:{version}")``);
    it also runs hourly, which costs one query when nothing is missing.
    """
    from medtandem.apps.cases.models import Case
    from medtandem.apps.cases.services import cache_predictions, current_model

    model = current_model()
    missing = Case.objects.exclude(
        predictions__model_name=model.name, predictions__model_version=model.version
    )
    written = cache_predictions(model, missing)
    return {"model": model.name, "version": model.version, "written": written}


periodic("cases.cache_predictions", minute="7", period="%Y-%m-%dT%H")
