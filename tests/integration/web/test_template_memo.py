"""Constant ``translate``, ``static`` and ``url`` tags are kept per language and scope, and render
exactly what Django's own tags render (the oracle: gettext, the static storage and reverse)."""

from __future__ import annotations

from django.contrib.staticfiles.storage import staticfiles_storage
from django.template import Context, Engine, Template
from django.test import override_settings
from django.urls import reverse, set_script_prefix
from django.utils import translation
from django.utils.html import escape

from medtandem.web.template_memo import ConstantNode


def _constant_nodes(template: Template) -> list[ConstantNode]:
    return template.nodelist.get_nodes_by_type(ConstantNode)


def test_a_literal_translation_follows_the_language_of_each_render() -> None:
    template = Template('{% load i18n %}{% translate "Connexion" %}|{% translate "Déconnexion" %}')
    assert len(_constant_nodes(template)) == 2  # the project's library is the one loaded
    for lang in ("fr", "en", "fr", "en"):
        with translation.override(lang):
            expected = f"{translation.gettext('Connexion')}|{translation.gettext('Déconnexion')}"
            assert template.render(Context()) == expected
    with translation.override("en"):
        assert template.render(Context()) == "Log in|Log out"


def test_every_tag_renders_what_djangos_own_renders_in_either_escaping() -> None:
    text = (
        '{% load i18n static %}{% translate "A & B <c>" %}|{% translate "Connexion" %}'
        "|{% static 'medtandem/site.css' %}|{% url 'home' %}"
    )
    djangos = Engine(
        libraries={"i18n": "django.templatetags.i18n", "static": "django.templatetags.static"}
    ).from_string(text)  # Django's own tags
    ours = Template(text)
    assert len(_constant_nodes(ours)) == 4 and _constant_nodes(djangos) == []
    for lang in ("fr", "en"):
        with translation.override(lang):
            for autoescape in (True, False, True):
                assert ours.render(Context(autoescape=autoescape)) == djangos.render(
                    Context(autoescape=autoescape)
                )


def test_variables_contexts_filters_and_as_are_rendered_as_django_renders_them() -> None:
    template = Template(
        "{% load i18n %}{% translate label %}|{% translate 'Connexion' as word %}{{ word }}"
        "|{% translate 'Mai' context 'mois' %}|{% translate 'Connexion'|upper %}"
    )
    assert _constant_nodes(template) == []
    with translation.override("en"):
        assert template.render(Context({"label": "Connexion"})).startswith("Log in|Log in|")
        assert template.render(Context({"label": "Déconnexion"})).startswith("Log out|Log in|")
        assert template.render(Context({"label": "x"})).endswith(
            f"|{translation.pgettext('mois', 'Mai')}|LOG IN"
        )


def test_a_literal_static_path_is_the_storage_url_and_follows_a_settings_change() -> None:
    template = Template("{% load static %}{% static 'medtandem/site.css' %}|{% static path %}")
    assert len(_constant_nodes(template)) == 1
    context = {"path": "medtandem/reading.js"}
    expected = (
        f"{escape(staticfiles_storage.url('medtandem/site.css'))}"
        f"|{escape(staticfiles_storage.url('medtandem/reading.js'))}"
    )
    assert template.render(Context(context)) == expected
    with override_settings(STATIC_URL="/cdn/"):
        changed = template.render(Context(context))
        assert changed.startswith("/cdn/medtandem/site")
        assert changed.split("|")[0] == escape(staticfiles_storage.url("medtandem/site.css"))
    assert template.render(Context(context)) == expected


def test_a_url_without_arguments_follows_the_script_prefix() -> None:
    template = Template("{% url 'home' %}|{% url 'reading:case' pk=3 position=n %}")
    assert len(_constant_nodes(template)) == 1
    assert template.render(Context({"n": 1})) == (
        f"{reverse('home')}|{reverse('reading:case', kwargs={'pk': 3, 'position': 1})}"
    )
    assert template.render(Context({"n": 2})).endswith("/case/2/")
    set_script_prefix("/sous-chemin/")
    try:
        assert template.render(Context({"n": 1})).startswith("/sous-chemin/")
        assert template.render(Context({"n": 1})).split("|")[0] == reverse("home")
    finally:
        set_script_prefix("/")
    assert template.render(Context({"n": 1})).split("|")[0] == reverse("home")


def test_the_duplicate_label_check_spares_the_two_replacements_and_no_other() -> None:
    from django.template import engines

    from medtandem.web.template_memo import DjangoTemplates

    assert engines["django"].check() == []  # the project's own backend: both replacements spared
    backend = DjangoTemplates(
        {
            "NAME": "check",
            "DIRS": [],
            "APP_DIRS": False,
            "OPTIONS": {
                "libraries": {"i18n": "medtandem.web.i18n_tags", "static": "medtandem.web.numbers"}
            },
        }
    )
    assert [(m.id, "'static'" in m.msg) for m in backend.check()] == [("templates.W003", True)]
