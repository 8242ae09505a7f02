"""Item-level issues of the Merchant API v1 processed product (``productStatus.
itemLevelIssues``: reference/rest/products_v1/accounts.products, ProductStatus.
ItemLevelIssue: code, severity NOT_IMPACTED | DEMOTED | DISAPPROVED, resolution,
attribute, reportingContext, description, detail, documentation, applicableCountries).

A test attaches issues as Google's review would (``add_issue``), or lets the simulator
raise them by itself:

* the availability the product data gives differs from what the crawler read on the
  landing page (``set_crawled_availability``): DISAPPROVED, attribute ``availability``
  (Merchant Center help "Mismatched value (page crawl) [availability]",
  support.google.com/merchants/answer/6098383; the code is the simulator's name);
* PREORDER or BACKORDER without ``availabilityDate`` (product data specification,
  support.google.com/merchants/answer/6324470: required for those): DISAPPROVED,
  attribute ``availability_date`` (the code is the simulator's name).
"""

SEVERITIES = ("NOT_IMPACTED", "DEMOTED", "DISAPPROVED")
REPORTING_CONTEXT = "SHOPPING_ADS"
MISMATCH_CODE = "landing_page_availability_mismatch"
MISSING_DATE_CODE = "missing_availability_date"


class MerchantIssues:
    def add_issue(self, account, product_id, code, severity="DISAPPROVED", attribute="",
                  description="", detail="", resolution="merchant_action",
                  countries=None, reporting_context=REPORTING_CONTEXT):  # fmt: skip
        """Attach an item-level issue to a product (as Google's review would)."""
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}")
        issue = {
            "code": code,
            "severity": severity,
            "resolution": resolution,
            "attribute": attribute,
            "reportingContext": reporting_context,
            "description": description or code.replace("_", " ").capitalize(),
            "detail": detail or description or code,
            "documentation": "https://support.google.com/merchants/answer/6324350",
            "applicableCountries": list(countries or [self.account(str(account)).country]),
        }
        with self.lock:
            self.issues.setdefault((str(account), product_id), []).append(issue)
        return issue

    def clear_issues(self, account, product_id=None):
        with self.lock:
            for key in list(self.issues):
                if key[0] == str(account) and product_id in (None, key[1]):
                    del self.issues[key]

    def set_crawled_availability(self, account, product_id, availability):
        """What Google's crawler reads on the landing page (None: forget it); a product
        whose availability differs gets a DISAPPROVED issue (page crawl mismatch)."""
        with self.lock:
            crawled = self.account(str(account)).crawled_availability
            if availability is None:
                crawled.pop(product_id, None)
            else:
                crawled[product_id] = availability

    def _automatic_issues(self, account, product_id, attributes):
        """Issues Google raises by itself: availability unlike the landing page's (page
        crawl), preorder/backorder without availabilityDate (product data spec)."""
        settings = self.account(account)
        issues = []
        availability = attributes.get("availability")
        crawled = settings.crawled_availability.get(product_id)
        if crawled and availability and crawled != availability:
            issues.append({
                "code": MISMATCH_CODE,
                "severity": "DISAPPROVED",
                "resolution": "merchant_action",
                "attribute": "availability",
                "reportingContext": REPORTING_CONTEXT,
                "description": "Mismatched value (page crawl) [availability]",
                "detail": f"Landing page: {crawled}; product data: {availability}.",
                "documentation": "https://support.google.com/merchants/answer/6098383",
                "applicableCountries": [settings.country],
            })  # fmt: skip
        if availability in ("PREORDER", "BACKORDER") and not attributes.get("availabilityDate"):
            issues.append({
                "code": MISSING_DATE_CODE,
                "severity": "DISAPPROVED",
                "resolution": "merchant_action",
                "attribute": "availability_date",
                "reportingContext": REPORTING_CONTEXT,
                "description": "Missing value [availability date]",
                "detail": "Preorder and backorder products need an availability date.",
                "documentation": "https://support.google.com/merchants/answer/6324470",
                "applicableCountries": [settings.country],
            })  # fmt: skip
        return issues
