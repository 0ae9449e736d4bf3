"""Property-based test of the whole API against its own OpenAPI schema (schemathesis, every
check, a bounded number of examples per operation), authenticated with a token on a small
reform with quotas (tests/fixtures/reform_api.py)."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig

from reform_registry.wsgi import application

# A well-formed request may still name a jurisdiction, unit or decision that does not exist:
# the contract answers 400 naming the parameter, so 400 counts as an acceptable answer to
# schema-valid data. Every other check keeps its defaults.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404"]}
        }
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)


@pytest.fixture
def token(ledger, writer_token):
    # Requests go straight to the WSGI application, inside the test's transaction: keep the
    # connection open between them, as Django's test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield writer_token
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"})


def test_the_token_is_real(token):
    assert Token.objects.filter(key=token).exists()
