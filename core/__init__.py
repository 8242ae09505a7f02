"""Plain-Python functional core of stock_channel_sync: no Odoo import anywhere below.

The ORM layer loads data in batches and calls these functions; the tests in
core/tests run without Odoo.
"""
