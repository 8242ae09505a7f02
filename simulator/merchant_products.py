"""Merchant API v1 Products sub-API: product inputs and processed products (their
item-level issues: simulator/merchant_issues.py).

From developers.google.com/merchant/api/reference/rest/products_v1/:

* ``accounts.productInputs/insert``: ``POST /products/v1/accounts/{a}/productInputs:insert
  ?dataSource=accounts/{a}/dataSources/{d}``, body ProductInput; an input with the same
  contentLanguage, offerId and dataSource is replaced; "it may take several minutes
  before the processed product can be retrieved" (here: ``processing_delay``); a primary
  input given to another primary data source moves the product there;
* ``accounts.productInputs/patch``: ``PATCH .../productInputs/{lang~label~offer}
  ?dataSource=...&updateMask=...``; "The product (primary input) must exist"; without a
  mask, every populated field; a masked attribute absent from the body is deleted; mask
  paths are top-level attributes (``availability``; ``productAttributes.availability``
  is accepted too) or ``custom_attribute.<name>``;
* ``accounts.productInputs/delete``: ``DELETE .../productInputs/{id}?dataSource=...``;
* ``accounts.products/get`` and ``/list`` (pageSize at most 1000, default 25,
  pageToken): the processed Product, name ``accounts/{a}/products/{lang~label~offer}``
  (``local~lang~label~offer`` for a legacyLocal input), ``base64EncodedName`` the same
  with the unpadded base64url segment (Product "base64EncodedName"); the path segment is
  either form, the encoded one required when offerId holds ~, / or % (accounts.products/
  get "name"; simulator/merchant_json.py ``product_key``); answers leave out what is at
  its default value (no ``legacyLocal: false``, empty ``customAttributes`` or
  ``itemLevelIssues``: ProtoJSON), its ``productAttributes`` the primary
  input's overlaid by each supplemental input's attributes (a supplemental source only
  overrides what it carries: guides/data-sources/overview), its ``productStatus``
  (destinationStatuses, itemLevelIssues: code, severity NOT_IMPACTED | DEMOTED |
  DISAPPROVED, resolution, attribute, reportingContext, description, detail,
  documentation, applicableCountries);
* ``productAttributes.availability`` is the v1 enum ``Availability``: IN_STOCK,
  OUT_OF_STOCK, PREORDER, LIMITED_AVAILABILITY, BACKORDER (a v1beta string such as
  ``in stock`` is refused as protobuf JSON refuses an unknown enum value);
  ``availabilityDate`` a Timestamp (RFC 3339);
* ``versionNumber`` (ProductInput, primary insertions only): an insert below the
  product's current version is refused 409 ABORTED.
"""

import copy
import time
from datetime import UTC, datetime, timedelta

from .common import Reply, now_iso
from .merchant_auth import google_error, invalid, not_found
from .merchant_inputs import (
    INPUT_FIELDS,
    OUTPUT_FIELDS,
    check_attributes,
    check_input,
    unknown_field,
)
from .merchant_issues import REPORTING_CONTEXT
from .merchant_json import body_object, camel, compact, encoded, page_of, product_key

LIST_DEFAULT, LIST_MAX = 25, 1000


class MerchantProducts:
    """Product inputs per (account, product id, data source), kept as versions that
    become visible ``processing_delay`` after the call (None: deleted)."""

    def _reset_products(self):
        self.inputs = {}  # (account, product id) -> {data source id: [(visible_at, input)]}
        self.issues = {}  # (account, product id) -> [ItemLevelIssue]
        self.created = {}  # (account, product id) -> creation date (ISO)
        self.updated = {}  # (account, product id) -> last update date (ISO)

    # -- helpers for tests (issues: simulator/merchant_issues.py) -------------------------

    def product(self, account, product_id):
        """The processed product as products.get answers it now (None: not yet/gone)."""
        with self.lock:
            return self._processed(str(account), product_id, time.monotonic())

    def product_input(self, account, product_id, data_source_id):
        """The latest input of a data source (pending or not; None: none or deleted)."""
        with self.lock:
            versions = self.inputs.get((str(account), product_id), {}).get(str(data_source_id))
            return copy.deepcopy(versions[-1][1]) if versions else None

    def accounts_with_products(self):
        return sorted({account for account, _product in self.inputs})

    def processed_products(self, account, now):
        ids = sorted(pid for acc, pid in self.inputs if acc == account)
        return [p for p in (self._processed(account, pid, now) for pid in ids) if p]

    # -- processing ------------------------------------------------------------------------

    def _visible(self, account, product_id, now):
        """{data source id: input} as processed by ``now``."""
        visible = {}
        for source, versions in self.inputs.get((account, product_id), {}).items():
            shown = [value for when, value in versions if when <= now]
            if shown and shown[-1] is not None:
                visible[source] = shown[-1]
        return visible

    def _processed(self, account, product_id, now):
        settings = self.account(account)
        visible = self._visible(account, product_id, now)
        primary = [s for s in visible if settings.data_sources.get(s) == "PRIMARY"]
        if not primary:
            return None
        base = visible[primary[0]]
        attributes = copy.deepcopy(base.get("productAttributes") or {})
        custom = {c.get("name"): c for c in base.get("customAttributes") or []}
        for source, value in sorted(visible.items()):
            if settings.data_sources.get(source) == "SUPPLEMENTAL":
                attributes.update(copy.deepcopy(value.get("productAttributes") or {}))
                custom.update({c.get("name"): c for c in value.get("customAttributes") or []})
        issues = [compact(i) for i in copy.deepcopy(self.issues.get((account, product_id), []))]
        issues += self._automatic_issues(account, product_id, attributes)
        country = base["feedLabel"] if len(base["feedLabel"]) == 2 else settings.country
        status = {"reportingContext": REPORTING_CONTEXT}
        disapproved = any(i["severity"] == "DISAPPROVED" for i in issues)
        status["disapprovedCountries" if disapproved else "approvedCountries"] = [country]
        created = self.created.get((account, product_id)) or now_iso()
        expires = datetime.now(UTC) + timedelta(days=30)
        product = {
            "name": f"accounts/{account}/products/{product_id}",
            "base64EncodedName": f"accounts/{account}/products/{encoded(product_id)}",
            "legacyLocal": bool(base.get("legacyLocal")),
            "offerId": base["offerId"],
            "contentLanguage": base["contentLanguage"],
            "feedLabel": base["feedLabel"],
            "dataSource": f"accounts/{account}/dataSources/{primary[0]}",
            "productAttributes": attributes,
            "customAttributes": list(custom.values()),
            "productStatus": compact({
                "destinationStatuses": [status],
                "itemLevelIssues": issues,
                "creationDate": created,
                "lastUpdateDate": self.updated.get((account, product_id)) or created,
                "googleExpirationDate": expires.isoformat(timespec="seconds").replace(
                    "+00:00", "Z"
                ),
            }),
            "versionNumber": base.get("versionNumber"),
        }  # fmt: skip
        return compact(product)

    # -- HTTP ---------------------------------------------------------------------------

    def _products_api(self, account, method, rest, params, body):
        if rest == ["productInputs:insert"] and method == "POST":
            return self.limited(account, "productInputs.insert") or self._insert(
                account, params, body
            )
        if len(rest) == 2 and rest[0] == "productInputs":
            if method == "PATCH":
                return self.limited(account, "productInputs.patch") or self._patch(
                    account, rest[1], params, body
                )
            if method == "DELETE":
                return self.limited(account, "productInputs.delete") or self._delete(
                    account, rest[1], params
                )
        if rest == ["products"] and method == "GET":
            return self.limited(account, "products.list") or self._list(account, params)
        if len(rest) == 2 and rest[0] == "products" and method == "GET":
            return self.limited(account, "products.get") or self._get(account, rest[1])
        return not_found("Method not found.")

    def _data_source(self, account, params):
        """(data source id, None) or (None, error Reply) for the ``dataSource`` param."""
        name = (params.get("dataSource") or [""])[0]
        prefix = f"accounts/{account}/dataSources/"
        if not name:
            return None, invalid("Required parameter: dataSource", "REQUIRED_DATA_SOURCE")
        if not name.startswith(prefix) or not name[len(prefix) :]:
            return None, invalid(f"Invalid data source name: {name}", "INVALID_DATA_SOURCE_NAME")
        source = name[len(prefix) :]
        if source not in self.account(account).data_sources:
            return None, not_found(f"Data source {name} not found.", "DATA_SOURCE_NOT_FOUND")
        return source, None

    def _insert(self, account, params, body):
        source, refused = self._data_source(account, params)
        if refused:
            return refused
        data, refused = body_object(body, "product_input")
        if refused:
            return refused
        refused = check_input(data)
        if refused:
            return refused
        product_id = f"{data['contentLanguage']}~{data['feedLabel']}~{data['offerId']}"
        if data.get("legacyLocal"):
            product_id = "local~" + product_id
        stored = {k: copy.deepcopy(v) for k, v in data.items() if k not in OUTPUT_FIELDS}
        stored.setdefault("productAttributes", {})
        settings = self.account(account)
        refused = self._version_refused(account, product_id, settings.data_sources[source], data)
        if refused:
            return refused
        if settings.data_sources[source] == "PRIMARY":
            # the product moves: its input in another primary source is dropped
            for other, versions in self.inputs.get((account, product_id), {}).items():
                if (
                    other != source
                    and settings.data_sources.get(other) == "PRIMARY"
                    and versions[-1][1]
                ):
                    versions.append((self._visible_at(account), None))
        self._store(account, product_id, source, stored)
        return Reply(200, _input_view(account, product_id, stored))

    def _version_refused(self, account, product_id, kind, data):
        """``versionNumber`` (ProductInput): primary insertions only; "the insertion is
        prevented when version number is lower than the current version number of the
        existing product" with ABORTED (409)."""
        if "versionNumber" not in data:
            return None
        try:
            version = int(data["versionNumber"])
        except (TypeError, ValueError):
            return invalid("Invalid value at 'product_input.version_number' (TYPE_INT64)")
        if kind != "PRIMARY":
            return invalid(
                "versionNumber is only supported for insertions into primary data sources.",
                "VERSION_NUMBER_NOT_SUPPORTED",
            )
        current = [
            int(versions[-1][1]["versionNumber"])
            for versions in self.inputs.get((account, product_id), {}).values()
            if versions[-1][1] and "versionNumber" in versions[-1][1]
        ]
        if current and version < max(current):
            return google_error(
                409,
                "ABORTED",
                f"The version number {version} is lower than the current version number "
                f"{max(current)} of the product.",
                "VERSION_NUMBER_TOO_LOW",
            )
        return None

    def _patch(self, account, segment, params, body):
        source, refused = self._data_source(account, params)
        if refused:
            return refused
        product_id, refused = product_key(segment)
        if refused:
            return refused
        data, refused = body_object(body, "product_input")
        if refused:
            return refused
        unknown = set(data) - INPUT_FIELDS
        if unknown:
            return unknown_field(sorted(unknown)[0])
        if "versionNumber" in data:
            return invalid("Do not set versionNumber for updates.", "VERSION_NUMBER_NOT_SUPPORTED")
        settings = self.account(account)
        versions = self.inputs.get((account, product_id), {})
        primary = [
            s for s, v in versions.items() if settings.data_sources.get(s) == "PRIMARY" and v[-1][1]
        ]
        current = versions.get(source, [(0, None)])[-1][1]
        if not primary:
            return not_found(f"Product input accounts/{account}/productInputs/{segment} not found.")
        if current is None:
            if settings.data_sources[source] == "PRIMARY":
                # "the existing primary product input must be from the same data source"
                return not_found(
                    f"Product input accounts/{account}/productInputs/{segment} not found "
                    f"in {params['dataSource'][0]}."
                )
            # UpdateProductInputRequest: only "the product (primary input) must exist";
            # a supplemental source's input is made by the patch
            base = versions[primary[0]][-1][1]
            current = {k: base[k] for k in ("offerId", "contentLanguage", "feedLabel")}
            current["productAttributes"] = {}
        attributes = data.get("productAttributes") or {}
        refused = check_attributes(attributes)
        if refused:
            return refused
        mask = [m.strip() for m in ",".join(params.get("updateMask") or []).split(",") if m.strip()]
        updated = copy.deepcopy(current)
        if not mask:
            updated["productAttributes"].update(copy.deepcopy(attributes))
            custom = {c.get("name"): c for c in updated.get("customAttributes") or []}
            custom.update({c.get("name"): c for c in data.get("customAttributes") or []})
            updated["customAttributes"] = list(custom.values())
        for path in mask:
            if path == "*":
                return invalid(
                    "Providing '*' as update mask is not supported.", "INVALID_UPDATE_MASK"
                )
            if path.startswith("custom_attribute."):
                name = path.split(".", 1)[1]
                given = [c for c in data.get("customAttributes") or [] if c.get("name") == name]
                kept = [c for c in updated.get("customAttributes") or [] if c.get("name") != name]
                updated["customAttributes"] = kept + given
                continue
            attribute = camel(
                path.split(".", 1)[1]
                if path.split(".")[0] in ("productAttributes", "product_attributes")
                else path
            )
            if attribute in attributes:
                updated["productAttributes"][attribute] = copy.deepcopy(attributes[attribute])
            else:
                updated["productAttributes"].pop(attribute, None)
        self._store(account, product_id, source, updated)
        return Reply(200, _input_view(account, product_id, updated))

    def _delete(self, account, segment, params):
        source, refused = self._data_source(account, params)
        if refused:
            return refused
        product_id, refused = product_key(segment)
        if refused:
            return refused
        versions = self.inputs.get((account, product_id), {}).get(source)
        if not versions or versions[-1][1] is None:
            return not_found(f"Product input accounts/{account}/productInputs/{segment} not found.")
        versions.append((self._visible_at(account), None))
        self.updated[(account, product_id)] = now_iso()
        return Reply(200, {})

    def _get(self, account, segment):
        product_id, refused = product_key(segment)
        if refused:
            return refused
        product = self._processed(account, product_id, time.monotonic())
        if product is None:
            return not_found(f"Product accounts/{account}/products/{segment} not found.")
        return Reply(200, product)

    def _list(self, account, params):
        products = self.processed_products(account, time.monotonic())
        page, refused = page_of(products, params, LIST_DEFAULT, LIST_MAX)
        if refused:
            return refused
        items, token = page
        return Reply(200, compact({"products": items, "nextPageToken": token}))

    def _visible_at(self, account):
        return time.monotonic() + float(self.account(account).processing_delay)

    def _store(self, account, product_id, source, value):
        key = (account, product_id)
        self.inputs.setdefault(key, {}).setdefault(source, []).append(
            (self._visible_at(account), value)
        )
        self.created.setdefault(key, now_iso())
        self.updated[key] = now_iso()


def _input_view(account, product_id, stored):
    """The ProductInput answered (ProtoJSON: defaults left out), with its encoded names
    (ProductInput base64EncodedName, base64EncodedProduct)."""
    return compact({
        "name": f"accounts/{account}/productInputs/{product_id}",
        "base64EncodedName": f"accounts/{account}/productInputs/{encoded(product_id)}",
        "product": f"accounts/{account}/products/{product_id}",
        "base64EncodedProduct": f"accounts/{account}/products/{encoded(product_id)}",
        **copy.deepcopy(stored),
    })  # fmt: skip
