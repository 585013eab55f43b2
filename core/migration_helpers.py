"""Helpers for data steps of migrations (imports no app: models come from the migration's ``apps``)."""

from __future__ import annotations

from django.db.models.functions import Length

MARK = " […]"


def shorten_over_limit(limits: list[tuple[str, str, str, int]]):
    """A RunPython step that cuts texts longer than their new limit, so that the length constraint added
    after it can be created on an existing database. ``limits``: (app label, model, field, limit).

    The cut keeps the beginning and ends with « […] »; such texts could only have been typed before the
    limits existed (the forms announce them now).
    """

    def forwards(apps, schema_editor):
        alias = schema_editor.connection.alias
        for app_label, model_name, field, limit in limits:
            model = apps.get_model(app_label, model_name)
            rows = model.objects.using(alias).annotate(n=Length(field)).filter(n__gt=limit)
            pks = list(rows.values_list("pk", flat=True))
            for row in model.objects.using(alias).filter(pk__in=pks).only("pk", field):
                setattr(row, field, getattr(row, field)[: limit - len(MARK)] + MARK)
                row.save(update_fields=[field])

    return forwards
