"""A bol.com retailer account, Retailer API v10 (``/bol/<account>/...``), as bol documents
it:

* ``POST /token`` (client credentials, HTTP Basic): bearer tokens of ``token_seconds``
  (299 by default); an expired token is a 401 "Expired JWT";
* offers: ``PUT /retailer/offers/{offer-id}/stock`` (amount 0-999, managedByRetailer,
  both required) answered 202 with a process status, applied when it succeeds;
  ``GET /retailer/offers/{offer-id}``; the offers export (``POST
  /retailer/offers/export``, then the CSV of ``GET /retailer/offers/export/{id}``);
* process statuses: ``GET /shared/process-status/{id}`` and ``POST
  /shared/process-status`` (bulk): PENDING for ``processing_delay`` seconds, then
  SUCCESS, or FAILURE for the offers of ``fail_offers`` ("accepted but failed later"),
  or TIMEOUT for those of ``timeout_offers``;
* per endpoint limits: 429 with ``Retry-After`` and the ``X-RateLimit-*`` headers;
* orders, shipments and cancellations: simulator.bol_orders;
* push notifications *to* Odoo (``deliver_event``), signed with the simulator's RSA key,
  published at ``GET /retailer/subscriptions/signature-keys``.

Media type ``application/vnd.retailer.v10+json``; errors are bol's Problem objects.
"""

import base64
import csv
import functools
import hmac
import io
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .bol_orders import MEDIA, BolOrders, bol_time, problem
from .common import FAILURE, SUCCESS, TIMEOUT, Job, Marketplace, RateLimits, Reply, Window

CSV_HEADER = (
    "offerId,ean,conditionName,conditionCategory,conditionComment,bundlePricesPrice,"
    "fulfilmentDeliveryCode,stockAmount,onHoldByRetailer,fulfilmentType,mutationDateTime,"
    "referenceCode"
)
MAX_AMOUNT = 999
SIGNATURE_KEY_ID = "0"
WEBHOOK_TIMEOUT = 10


@functools.cache
def signing_key():
    """The simulator's RSA key of its push notifications (one per process)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_key_b64():
    der = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


@dataclass
class BolSettings:
    """One retailer account: its API credentials, its tokens' lifetime, how long bol
    takes to process, what it fails, and its limits (requests per window, seconds)."""

    client_id: str = "bol-client"
    client_secret: str = "bol-secret"
    token_seconds: int = 299
    processing_delay: float = 0.2
    fail_offers: list = field(default_factory=list)
    timeout_offers: list = field(default_factory=list)
    stock_limit: int = 50
    stock_window: float = 1.0
    orders_limit: int = 25
    orders_window: float = 60.0
    process_status_limit: int = 50
    process_status_window: float = 1.0


class Bol(BolOrders, Marketplace):
    name = "bol"
    prefix = "/bol/"
    config_key = "bol"
    settings_class = BolSettings

    def _reset(self):
        self.tokens = {}  # token -> (account, expires at, monotonic)
        self.offers = {}  # (account, offer id) -> offer
        self.jobs = {}  # (account, process status id) -> Job
        self.exports = {}  # (account, report id) -> CSV text
        self.limits = RateLimits()
        self.token_requests = 0
        self._reset_orders()

    def stock(self):
        with self.lock:
            levels = {}
            for (account, _offer_id), offer in self.offers.items():
                levels.setdefault(account, {})[offer["reference"] or offer["ean"]] = offer["stock"][
                    "amount"
                ]
            return {"bol": levels}

    # -- for tests and demos ----------------------------------------------------------

    def add_offer(self, account, ean, reference="", amount=0, fulfilment="FBR"):
        """An offer of the account; returns its id."""
        with self.lock:
            offer_id = str(uuid.uuid4())
            self.offers[(account, offer_id)] = {
                "offerId": offer_id,
                "ean": ean,
                "reference": reference,
                "onHoldByRetailer": False,
                "stock": {"amount": amount, "correctedStock": amount, "managedByRetailer": False},
                "fulfilment": {"method": fulfilment, "deliveryCode": "1-2d"},
            }
            return offer_id

    def amount(self, account, offer_id):
        with self.lock:
            self._settle()
            return self.offers[(account, offer_id)]["stock"]["amount"]

    def expire_tokens(self, account):
        """Every token of the account expires now (as after its 299 seconds)."""
        with self.lock:
            for token, (owner, _expires, _issued) in list(self.tokens.items()):
                if owner == account:
                    self.tokens[token] = (owner, 0.0, 0.0)

    def event(self, account, resource, kind, resource_id):
        """(body, headers) of a push notification as bol sends it, signed."""
        body = json.dumps(
            {
                "retailerId": 1234567,
                "timestamp": bol_time(),
                "event": {"resource": resource, "type": kind, "resourceId": str(resource_id)},
            }
        ).encode()
        signature = signing_key().sign(body, padding.PKCS1v15(), hashes.SHA256())
        header = (
            f'keyId={SIGNATURE_KEY_ID}, algorithm="rsa-sha256", '
            f"signature={base64.b64encode(signature).decode()}"
        )
        return body, {"Content-Type": "application/json", "Signature": header}

    def deliver_event(self, url, account, resource, kind, resource_id):
        """POST a push notification to Odoo at ``url``: (status, answer text)."""
        body, headers = self.event(account, resource, kind, resource_id)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as failure:
            return failure.code, failure.read().decode("utf-8", "replace")

    def served(self, account, endpoint):
        """When each request to ``endpoint`` was served (monotonic seconds)."""
        with self.lock:
            return list(self.limits.served.get((account, endpoint), []))

    # -- HTTP -------------------------------------------------------------------------

    def route(self, method, parts, query, headers, body):
        parts = [unquote(part) for part in parts]
        account, rest = parts[0], parts[1:]
        with self.lock:
            self._settle()
            if rest == ["token"] and method == "POST":
                return self._token(account, headers, query, body)
            if not self._authorized(account, headers):
                return problem(401, "Expired JWT", "JWT expired or unknown.")
            return self._api(account, method, rest, query.params, body)

    def _api(self, account, method, rest, params, body):
        data = None
        if method in ("POST", "PUT"):
            try:
                data = json.loads(body or b"null")
            except ValueError:
                return problem(400, "Error validating request.", "Malformed JSON body")
        if rest[:2] == ["shared", "process-status"]:
            return self._process_status(account, method, rest[2:], data)
        if rest[:2] == ["retailer", "offers"]:
            return self._offers(account, method, rest[2:], data)
        if rest == ["retailer", "subscriptions", "signature-keys"] and method == "GET":
            keys = [{"id": SIGNATURE_KEY_ID, "type": "RSA", "publicKey": public_key_b64()}]
            return Reply(200, {"signatureKeys": keys}, {"Content-Type": MEDIA})
        if rest[:2] in (["retailer", "orders"], ["retailer", "shipments"]):
            return self._orders_api(account, method, rest[1:], params, data)
        return problem(404, "Not Found", "No route matches the request.")

    def _token(self, account, headers, query, body):
        settings = self.account(account)
        grant = (parse_qs(body.decode("utf-8", "replace")).get("grant_type") or [""])[0] or (
            query.params.get("grant_type") or [""]
        )[0]
        value = headers.get("Authorization") or ""
        try:
            client, _sep, secret = base64.b64decode(value[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            client, secret = "", ""
        known = hmac.compare_digest(client, settings.client_id) and hmac.compare_digest(
            secret, settings.client_secret
        )
        if not value.startswith("Basic ") or not known or grant != "client_credentials":
            return Reply(
                401, {"error": "invalid_client", "error_description": "Bad client credentials"}
            )
        token = f"bol-{uuid.uuid4().hex}"
        self.tokens[token] = (account, time.monotonic() + settings.token_seconds, time.monotonic())
        self.token_requests += 1
        return Reply(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": settings.token_seconds,
                "scope": "RETAILER",
            },
        )

    def _authorized(self, account, headers):
        value = headers.get("Authorization") or ""
        owner, expires, _issued = self.tokens.get(value[7:], ("", 0.0, 0.0))
        return value.startswith("Bearer ") and owner == account and expires > time.monotonic()

    def _limited(self, account, endpoint, limit, window):
        """A 429 Reply when ``endpoint`` is over its limit, else None."""
        retry_after, headers = self.limits.take((account, endpoint), Window(limit, window))
        if retry_after is None:
            return None
        detail = f"Too many requests, retry in {retry_after} seconds."
        reply = problem(429, "Too Many Requests", detail)
        reply.headers.update(headers)
        return reply

    # -- process statuses ---------------------------------------------------------------

    def _settle(self):
        now = time.monotonic()
        for job in self.jobs.values():
            job.settle(now)

    def _start(self, account, event_type, entity_id, apply, outcome=SUCCESS, errors=None):
        settings = self.account(account)
        job_id = str(self.sim.next_id() + 1_000_000)
        job = Job(
            id=job_id,
            created=time.monotonic(),
            delay=settings.processing_delay,
            outcome=outcome,
            errors=dict(errors or {}),
            apply=apply,
            detail={"eventType": event_type, "entityId": entity_id, "created": bol_time()},
        )
        self.jobs[(account, job_id)] = job
        return Reply(202, self._status(account, job), {"Content-Type": MEDIA})

    def _status(self, account, job):
        state = job.state(time.monotonic())
        status = {
            "processStatusId": job.id,
            "entityId": job.detail["entityId"],
            "eventType": job.detail["eventType"],
            "description": f"{job.detail['eventType']} of {job.detail['entityId']}",
            "status": state,
            "createTimestamp": job.detail["created"],
            "links": [
                {
                    "rel": "self",
                    "href": f"/bol/{account}/shared/process-status/{job.id}",
                    "method": "GET",
                }
            ],
        }
        if state == FAILURE:
            status["errorMessage"] = next(iter(job.errors.values()), "processing failed")
        return status

    def _process_status(self, account, method, rest, data):
        settings = self.account(account)
        limited = self._limited(
            account,
            "process_status",
            settings.process_status_limit,
            settings.process_status_window,
        )
        if limited:
            return limited
        if method == "GET" and len(rest) == 1:
            job = self.jobs.get((account, rest[0]))
            if not job:
                return problem(404, "Not Found", f"Process status {rest[0]} not found.")
            return Reply(200, self._status(account, job), {"Content-Type": MEDIA})
        if method == "POST" and not rest:
            queries = (data or {}).get("processStatusQueries") if isinstance(data, dict) else None
            if not isinstance(queries, list) or not 1 <= len(queries) <= 1000:
                return problem(400, "Error validating request.", "1 to 1000 processStatusQueries")
            statuses = []
            for query in queries:
                job = self.jobs.get((account, str((query or {}).get("processStatusId"))))
                if job:
                    statuses.append(self._status(account, job))
            return Reply(200, {"processStatuses": statuses}, {"Content-Type": MEDIA})
        return problem(405, "Method Not Allowed")

    # -- offers -------------------------------------------------------------------------

    def _offers(self, account, method, rest, data):
        if rest == ["export"] and method == "POST":
            return self._export(account, data)
        if len(rest) == 2 and rest[0] == "export" and method == "GET":
            text = self.exports.get((account, rest[1]))
            if text is None:
                return problem(404, "Not Found", "Report not found (or not ready).")
            return Reply(200, text.encode(), {"Content-Type": "text/csv"})
        offer = self.offers.get((account, rest[0])) if rest else None
        if not offer:
            return problem(404, "Not Found", "Offer not found.")
        if rest[1:] == ["stock"] and method == "PUT":
            return self._update_stock(account, offer, data)
        if len(rest) == 1 and method == "GET":
            return Reply(200, offer, {"Content-Type": MEDIA})
        return problem(405, "Method Not Allowed")

    def _update_stock(self, account, offer, data):
        settings = self.account(account)
        limited = self._limited(account, "offer_stock", settings.stock_limit, settings.stock_window)
        if limited:
            return limited
        violations = []
        amount = data.get("amount") if isinstance(data, dict) else None
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_AMOUNT:
            violations.append({"name": "amount", "reason": "must be an integer from 0 to 999"})
        managed = data.get("managedByRetailer") if isinstance(data, dict) else None
        if not isinstance(managed, bool):
            violations.append({"name": "managedByRetailer", "reason": "must be a boolean"})
        if violations:
            return problem(400, "Error validating request.", "Bad request", violations=violations)
        offer_id = offer["offerId"]
        outcome, errors = SUCCESS, {}
        if offer_id in settings.fail_offers:
            outcome, errors = FAILURE, {offer_id: f"Offer {offer_id} cannot be updated."}
        elif offer_id in settings.timeout_offers:
            outcome = TIMEOUT

        def apply(_job):
            offer["stock"] = {
                "amount": amount,
                "correctedStock": amount,
                "managedByRetailer": managed,
            }

        return self._start(account, "UPDATE_OFFER_STOCK", offer_id, apply, outcome, errors)

    def _export(self, account, data):
        if not isinstance(data, dict) or data.get("format") != "CSV":
            return problem(400, "Error validating request.", "format must be CSV")
        report_id = str(uuid.uuid4())
        rows = [offer for (owner, _id), offer in self.offers.items() if owner == account]

        def apply(_job):
            out = io.StringIO()
            writer = csv.writer(out)
            out.write(CSV_HEADER + "\n")
            for offer in rows:
                writer.writerow(
                    [
                        offer["offerId"],
                        offer["ean"],
                        "NEW",
                        "NEW",
                        "",
                        "9.99",
                        "1-2d",
                        offer["stock"]["amount"],
                        "false",
                        offer["fulfilment"]["method"],
                        "2026-11-25 10:00:00.000 UTC",
                        offer["reference"],
                    ]
                )
            self.exports[(account, report_id)] = out.getvalue()

        return self._start(account, "CREATE_OFFER_EXPORT", report_id, apply)
