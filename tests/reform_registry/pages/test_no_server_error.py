"""No input gives a server error: every parameter of every page, with arbitrary text."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

PARAMETERS = {
    "/units/": ["as_of", "q", "kind", "jurisdiction", "parent", "category", "status", "page"],
    "/units/fangchan-fuwu/": ["as_of"],
    "/departments/zhujian/": ["as_of"],
    "/changes/": ["as_of", "from", "to", "jurisdiction", "page"],
    "/reports/reform/": ["jurisdiction", "before", "after", "include_drafts", "exclude_pending"],
}
values = st.one_of(
    st.text(max_size=30),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31", "1900-01-01", "2199-12-31", "0001-01-01", "-1", "true", ""]),
)


@pytest.mark.parametrize("path", PARAMETERS)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_parameter_value_gives_a_page_or_a_message(official_client, registry, path, data):
    query = {
        name: data.draw(values, label=name)
        for name in PARAMETERS[path]
        if data.draw(st.booleans(), label=f"use {name}")
    }
    response = official_client.get(path, query)
    assert response.status_code in (200, 400), (path, query)
    if response.status_code == 400:
        assert 'class="alert error"' in response.content.decode()


@pytest.mark.parametrize(
    ("path", "name"), [(path, name) for path, names in PARAMETERS.items() for name in names]
)
@pytest.mark.parametrize("value", ["\x00", "15\x000200", "150200\x00"])
def test_a_nul_character_in_any_parameter_gives_a_page_or_a_message(
    official_client, registry, path, name, value
):
    """PostgreSQL refuses text holding NUL: no parameter may carry one to the database."""
    response = official_client.get(path, {name: value})
    assert response.status_code in (200, 400), (path, name, value)
