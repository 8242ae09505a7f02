"""stock.channel, a sales channel, split by concern (one class each, `_inherit`ing the
model of channel.py; imported in this order, which is the order of their overrides):

- channel.py: the model, its fields and checks, what a change of them republishes
- lookups.py: the channels of a webhook's code and of a warehouse, kept in Odoo's cache
- publishing.py: publishable quantities computed, refreshed; pushes woken, republished
- publishable.py: the batch loop of the publishable quantities (chunks, shared results)
- alerts.py: alert thresholds, the alert cron, mail.thread and activities
- alert_figures.py: the alert figures and thresholds in force, for all channels at once
- demo.py: the demo mode (orders generated on the simulator)
- connection.py: connector, credentials, rate limits and tokens, the poll of orders
- mapping.py: the import of the mapping (catalogue bound by SKU)
- orders.py: order-flow KPIs (touchless rate, order to ship, handling time, tracking)
- overview.py: the overview card's figures (stock.channel.overview tells the open cards
  live, a listener of the events that move them)
- business.py: the overview card's business figures (units live, SKUs at 0, orders)
- reach.py: unreachable channel and variants waiting for a binding
- reconcile.py: drift and oversell KPIs, the reconciliation cron and actions
- reconcile_run.py: a reconciliation run (read back, drifts judged, corrections)
- reconcile_stores.py: what a run reads beside the quantities (stores, item issues)
- velocity.py: sales velocity and push latency for the latency-adaptive buffer
- settings.py: the settings its connector declares (stock.channel.setting rows), typed
- exclusions.py: the exclusion rules applied (publishable 0, nothing orderable), the
  customer holds expired by the refresh cron
- kits.py: kits (mrp's kit bills of materials): published and ordered from their
  components, republished when a component changes
- pickup.py: click & collect, what the webshop may sell for pickup in one store
- connection_check.py: Test connection (the button, and every save of the connection
  from the form), the first Import mapping offered, the webhook URL and secret to paste
- future_stock.py: the units of receipts and their date, sold and said by the webshop
- sourcing.py: order sourcing (strategy, split), the source orderable quantities
- offers.py: store offers (the orders offered to its stores, stock.channel.offer)
- merchant_register.py: Google Merchant Center's Register button (registerGcp)
"""

# isort: off
# keep this order: channel.py defines the model the others extend (side effects are
# not overrides of each other's methods but events, see core.events); settings.py wraps
# create and write (its rows follow the connector), connection_check.py around it (the
# connection is tested once the settings are written)
from . import channel, lookups, publishing, alerts, alert_figures, demo, connection, mapping
from . import orders, overview, business, reach, reconcile, reconcile_run, reconcile_stores
from . import velocity, settings
from . import connection_check, sources, future_stock, kits, exclusions, pickup, sourcing, offers
from . import publishable, merchant_register

# isort: on
