"""Recovery campaigns of several jurisdictions applied by one background job, from the
campaigns' admin: each applied in its own transaction, the job's page shows their table; a
campaign that cannot be applied is named with its reason and the job fails, the others applied."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from reform_registry.jobs import job_run
from reform_registry.models import Job
from staffing.models import RecoveryCampaign, Transfer
from staffing.selectors import balance
from staffing.services import campaign_apply, campaign_preview, headcount_report

pytestmark = pytest.mark.django_db

ON = dt.date(2021, 3, 1)


@pytest.fixture
def previews(ledger, county):
    decision = ledger.decision()
    for key, jurisdiction in (("c1", ledger.city), ("q1", county)):
        unit = ledger.unit(key, jurisdiction=jurisdiction.code, category="public_welfare_1")
        ledger.grant(unit, 10)
        headcount_report(unit=unit, kind="institution", as_of=dt.date(2020, 12, 31), actual=4)
    return [
        campaign_preview(jurisdiction=j, on=ON, decision=decision) for j in (ledger.city, county)
    ]


def test_campaigns_of_several_jurisdictions_are_applied_by_one_job(
    client, ledger, county, previews, django_capture_on_commit_callbacks
):
    chief = get_user_model().objects.create_superuser("chief", "c@example.org", "pw-12345678")
    client.force_login(chief)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:staffing_recoverycampaign_changelist"),
            {
                "action": "apply_campaigns_in_background",
                "_selected_action": [c.pk for c in previews],
            },
        )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:reform_registry_job_change", args=[job.pk])
    assert (
        job.kind == Job.Kind.CAMPAIGN_APPLY
        and not Transfer.objects.filter(campaign__isnull=False).exists()
    )

    assert job_run(job_id=job.pk) == Job.State.SUCCEEDED
    job.refresh_from_db()
    assert [
        (r["jurisdiction"], r["total"], r["lines"], r["error"]) for r in job.result["campaigns"]
    ] == [
        ("150200", 3, 1, ""),
        ("150203", 3, 1, ""),
    ]
    assert (job.done, job.total) == (2, 2)
    assert set(RecoveryCampaign.objects.values_list("status", flat=True)) == {"applied"}
    assert balance(ledger.pool(county), "institution", ON) == 3
    page = client.get(response["Location"]).content.decode()
    assert 'id="job-campaigns"' in page and "昆都仑区" in page


def test_a_campaign_that_cannot_be_applied_is_named_and_the_job_fails(
    client, ledger, county, previews
):
    chief = get_user_model().objects.create_superuser("chief", "c@example.org", "pw-12345678")
    client.force_login(chief)
    applied = campaign_preview(jurisdiction=county, on=ON, decision=ledger.decision())
    campaign_apply(campaign=applied)
    client.post(
        reverse("admin:staffing_recoverycampaign_changelist"),
        {
            "action": "apply_campaigns_in_background",
            "_selected_action": [applied.pk, *(c.pk for c in previews)],
        },
    )
    job = Job.objects.get()
    assert sorted(job.params["campaigns"]) == [c.pk for c in previews]  # only previews
    # Meanwhile the county's campaign comes to rest on a decision not approved.
    draft = ledger.decision(approved=False)
    RecoveryCampaign.objects.filter(pk=previews[1].pk).update(decision=draft)
    assert job_run(job_id=job.pk) == Job.State.FAILED
    job.refresh_from_db()
    assert "1 个收回行动未能执行" in job.error
    city_row, county_row = job.result["campaigns"]
    assert city_row["error"] == "" and city_row["total"] == 3
    assert "尚未批准" in county_row["error"]
    assert RecoveryCampaign.objects.get(pk=previews[0].pk).status == "applied"
    assert RecoveryCampaign.objects.get(pk=previews[1].pk).status == "preview"
    page = client.get(reverse("admin:reform_registry_job_change", args=[job.pk])).content.decode()
    assert "尚未批准" in page and 'id="job-error"' in page


def test_only_an_approver_may_apply_campaigns_in_the_background(client, previews):
    clerk = get_user_model().objects.create_user("clerk", password="pw-12345678", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_recoverycampaign", "change_recoverycampaign"]
        )
    )
    client.force_login(clerk)
    response = client.post(
        reverse("admin:staffing_recoverycampaign_changelist"),
        {"action": "apply_campaigns_in_background", "_selected_action": [c.pk for c in previews]},
    )
    assert response.status_code == 403
    assert not Job.objects.exists()
