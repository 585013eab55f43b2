"""Inlines whose autocomplete fields cost no query per row.

Django's ``AutocompleteSelect`` looks up the label of its current value with one query per widget, so an
inline of 30 rows with an autocomplete field makes 30 queries (tests/core/test_query_guards.py). The rows'
objects are already loaded by the inline's queryset: with ``select_related`` on the autocomplete fields, the
mixin below hands each row's widget the label of its current value, and the widget queries only when it has
no label (a bound form whose value changed, an empty row).
"""

from __future__ import annotations

from django.contrib.admin.widgets import AutocompleteSelect


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete select that renders its current value from a label given in advance, without a query."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.preloaded: dict[str, str] = {}

    def optgroups(self, name, value, attr=None):
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if not selected or any(v not in self.preloaded for v in selected):
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for v in selected:
            options.append(self.create_option(name, v, self.preloaded[v], True, len(options)))
        return [(None, options, 0)]


class PreloadedAutocompleteInlineMixin:
    """For an inline with ``autocomplete_fields`` whose ``get_queryset`` selects those relations."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = PreloadedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset_class = super().get_formset(request, obj, **kwargs)
        names = [name for name in self.get_autocomplete_fields(request) if name in formset_class.form.base_fields]

        class PreloadedFormSet(formset_class):
            def _construct_form(self, i, **kwargs):
                form = super()._construct_form(i, **kwargs)
                for name in names:
                    relation = form.instance._meta.get_field(name)
                    if form.instance.pk is None or not relation.is_cached(form.instance):
                        continue
                    related = relation.get_cached_value(form.instance)
                    field = form.fields[name]
                    widget = getattr(field.widget, "widget", field.widget)  # inside RelatedFieldWidgetWrapper
                    if related is not None and isinstance(widget, PreloadedAutocompleteSelect):
                        key = getattr(related, field.to_field_name) if field.to_field_name else related.pk
                        widget.preloaded = {str(key): field.label_from_instance(related)}
                return form

        return PreloadedFormSet
