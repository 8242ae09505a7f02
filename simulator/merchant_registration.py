"""Merchant API developer registration (developers.google.com/merchant/api/guides/
quickstart/registration): "any Merchant API calls from an unregistered Google Cloud project are
blocked and return a 401 error code with status UNAUTHENTICATED": the service
account's project (its key's ``project_id``) must be registered with the account,
``POST /accounts/v1/accounts/{a}/developerRegistration:registerGcp`` body
``{"developerEmail"}`` (reference/rest/accounts_v1/accounts.developerRegistration/
registerGcp) answering the DeveloperRegistration ``{"name", "gcpIds"}``, read back by
``GET .../developerRegistration`` (getDeveloperRegistration), undone by
``POST .../developerRegistration:unregisterGcp`` (``{}``); these three are served to an
unregistered project (a user of the account); ``create_service_account(...,
registered=True)`` registers the project with the accounts given beforehand.

The 401's ``metadata.REASON`` (``GCP_NOT_REGISTERED``) and the 12-digit project number are
the simulator's: the guide gives the message only.
"""

import hashlib
import json

from .common import Reply
from .merchant_auth import google_error


def gcp_number(project_id):
    """The simulator's stable project number of a GCP project id (12 digits)."""
    digest = hashlib.sha256(project_id.encode("utf-8")).hexdigest()
    return str(100000000000 + int(digest[:12], 16) % 900000000000)


class MerchantRegistration:
    """GCP projects registered per account (state guarded by the marketplace's lock)."""

    def _reset_registrations(self):
        self.registrations = {}  # account ("*": every account) -> {GCP project id}

    # -- helpers for tests ---------------------------------------------------------

    def preregister(self, project_id, accounts=()):
        """Register ``project_id`` with ``accounts`` (none: every account), as after
        registerGcp (``create_service_account(..., registered=True)`` calls it)."""
        with self.lock:
            for account in accounts or ["*", *self.registrations]:
                self._projects(str(account)).add(project_id)

    def register_gcp(self, account, project_id, registered=True):
        """Register (or unregister) a GCP project with a Merchant Center account."""
        with self.lock:
            projects = self._projects(str(account))
            if registered:
                projects.add(project_id)
            else:
                projects.discard(project_id)

    # -- HTTP ------------------------------------------------------------------------

    def _projects(self, account):
        """The GCP projects registered with ``account`` (a set to change in place); an
        account first met starts with those registered with every account ("*")."""
        if account not in self.registrations:
            self.registrations[account] = set(self.registrations.get("*", ()))
        return self.registrations[account]

    def _unregistered(self, headers, account):
        """None when the caller's GCP project is registered with ``account``, else the 401
        of guides/quickstart/registration ("GCP project with id {GCP_ID} and number
        {GCP_NUMBER} is not registered with the merchant account.")."""
        user = self._caller(headers)
        with self.lock:
            projects = set(self._projects(account))
        if user is None or user.project_id in projects:
            return None
        return google_error(
            401,
            "UNAUTHENTICATED",
            f"GCP project with id {user.project_id} and number {gcp_number(user.project_id)} "
            "is not registered with the merchant account.",
            "GCP_NOT_REGISTERED",  # the simulator's name: the guide gives the message only
        )

    def _developer_registration(self, account, method, verb, headers, body):
        """accounts.developerRegistration: registerGcp, getDeveloperRegistration,
        unregisterGcp (reference/rest/accounts_v1/accounts.developerRegistration)."""
        user = self._caller(headers)
        name = f"accounts/{account}/developerRegistration"
        with self.lock:
            if method == "POST" and verb == "registerGcp":
                try:
                    data = json.loads(body or b"{}")
                except ValueError:
                    data = None
                if not isinstance(data, dict) or not isinstance(
                    data.get("developerEmail", ""), str
                ):
                    return google_error(
                        400,
                        "INVALID_ARGUMENT",
                        "Invalid JSON payload received.",
                        "INVALID_JSON_PAYLOAD",
                    )
                self._projects(account).add(user.project_id)
            elif method == "POST" and verb == "unregisterGcp":
                self._projects(account).discard(user.project_id)
                return Reply(200, {})
            elif method != "GET" or verb:
                return google_error(404, "NOT_FOUND", "Method not found.", "NOT_FOUND")
            projects = sorted(self._projects(account))
        registration = {"name": name}
        if projects:
            registration["gcpIds"] = [gcp_number(p) for p in projects]
        return Reply(200, registration)
