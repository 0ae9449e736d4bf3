"""The admin screens are in Chinese by default and in English on request."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation


def test_admin_in_english(world, login):
    decision = world.merge_draft()
    client = login(world.users["approver"])
    url = reverse("admin:units_decision_change", args=[decision.pk])
    assert "预览并批准" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert "Preview and approve" in english
    preview = client.get(reverse("admin:units_decision_approve", args=[decision.pk]))
    preview = preview.content.decode()
    assert "Institutions per supervising department" in preview


CJK = re.compile(r"[\u4e00-\u9fff]")


def labels(client, user, language):
    """The admin index's titles and every app's and model's name, in one language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    found = {
        "site_header": str(response.context["site_header"]),
        "site_title": str(response.context["site_title"]),
        "title": str(response.context["title"]),
    }
    for app in response.context["app_list"]:
        found[app["app_label"]] = str(app["name"])
        for model in app["models"]:
            found[f"{app['app_label']}.{model['object_name']}"] = str(model["name"])
    for app in ("units", "staffing", "reform_registry"):
        app_page = client.get(reverse("admin:app_list", args=[app])).context["app_list"]
        found[f"{app} page"] = str(app_page[0]["name"])
    return found


def test_every_admin_label_is_english_in_english(world, login):
    client = login(world.users["admin"])
    chinese = labels(client, world.users["admin"], "zh-hans")
    english = labels(client, world.users["admin"], "en")
    assert chinese.keys() == english.keys()
    assert {"units", "staffing", "reform_registry", "units.Decision"} <= chinese.keys()
    for key, text in english.items():
        assert not CJK.search(text), (key, text)
        assert text != chinese[key], (key, text)
    assert english["site_header"] == "Reform registry · administration"


def test_every_field_and_choice_of_the_admin_models_is_english_in_english():
    problems = []
    with translation.override("en"):
        for model in admin.site._registry:
            meta = model._meta
            names = [meta.verbose_name, meta.verbose_name_plural]
            for field in meta.get_fields():
                if hasattr(field, "verbose_name") and field.model is model:
                    names.append(field.verbose_name)
                    names += [label for _, label in getattr(field, "flatchoices", []) or []]
            problems += [(meta.label, str(n)) for n in names if CJK.search(str(n))]
    assert not problems, problems


def test_admin_carries_the_sites_look(world, login, client):
    response = login(world.users["admin"]).get(reverse("admin:units_decision_changelist"))
    html = response.content.decode()
    assert static("css/admin.css") in html
    assert f'<link rel="icon" href="{static("favicon.svg")}"' in html
    assert finders.find("css/admin.css")
    css = Path(finders.find("css/admin.css")).read_text(encoding="utf-8")
    assert "--primary:" in css and "--header-bg:" in css
    # Document numbers, statuses and codes never break inside a change list's cell.
    assert ".field-number" in css and ".field-status" in css and "nowrap" in css


def test_favicon_ico_is_the_sites_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code in {301, 302}
    assert response.headers["Location"] == static("favicon.svg")
    assert finders.find("favicon.svg")
