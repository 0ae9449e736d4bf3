"""The admin screens are in Chinese by default and in English on request."""

from django.conf import settings
from django.urls import reverse


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
