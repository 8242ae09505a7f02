"""The simulator over HTTPS (``start(tls=True)``): clients trust its own certificate
through ``ca_file`` and nothing else; google-auth's session gets its Merchant API token
and calls through it."""

import os

import pytest
import requests
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2 import service_account

from simulator import start

SCOPE = "https://www.googleapis.com/auth/content"


@pytest.fixture(scope="module")
def tls_sim():
    simulator = start(tls=True)
    yield simulator
    simulator.stop()


def test_https_is_served_and_trusted_through_the_ca_file_only(tls_sim):
    assert tls_sim.url.startswith("https://127.0.0.1:")
    health = requests.get(f"{tls_sim.url}/_sim/health", verify=tls_sim.ca_file, timeout=5)
    assert health.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{tls_sim.url}/_sim/health", timeout=5)
    localhost = tls_sim.url.replace("127.0.0.1", "localhost")
    assert requests.get(f"{localhost}/_sim/health", verify=tls_sim.ca_file, timeout=5).ok


def test_google_auth_gets_its_token_and_calls_over_https(tls_sim):
    key = tls_sim.create_merchant_service_account(["42"])
    assert key["token_uri"].startswith("https://")
    credentials = service_account.Credentials.from_service_account_info(key, scopes=[SCOPE])
    # the token request goes through its own session: both trust the simulator (and not
    # REQUESTS_CA_BUNDLE, which requests lets override a session's verify)
    token_session = requests.Session()
    token_session.verify, token_session.trust_env = tls_sim.ca_file, False
    session = AuthorizedSession(credentials, auth_request=Request(token_session))
    session.verify, session.trust_env = tls_sim.ca_file, False
    answer = session.get(f"{tls_sim.merchant_url()}/accounts/v1/accounts/42", timeout=5)
    assert answer.status_code == 200 and answer.json()["accountId"] == "42"
    assert tls_sim.merchant.token_requests(key["client_email"]) == 1


def test_the_certificate_is_removed_at_stop():
    simulator = start(tls=True)
    assert os.path.exists(simulator.ca_file)
    simulator.stop()
    assert not os.path.exists(os.path.dirname(simulator.ca_file))
