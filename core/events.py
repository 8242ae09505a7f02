"""The side effects of the addon, in one table: what happens announces a named event
(stock.channel.event._announce), and the listeners of that event run, in the table's
order, each the method ``_on_<event>`` of its model (pure data: no Odoo here).

The order is the order of the effects: the alert cron is triggered before the open
overviews are told, the dispatcher woken before they are; both happen at the commit of
the transaction (a rolled back change announces nothing to anyone outside it).
"""

# the listeners: a model each, its method _on_<event> for each event it listens to
ALERTS = "stock.channel.alert"  # the alert cron, triggered once at the commit
OVERVIEW = "stock.channel.overview"  # the open overviews and forms, told at the commit
LEDGER = "stock.channel.incident"  # the oversell ledger
DISPATCHER = "stock.channel"  # the dispatch cron, woken (now or at a time)
LOCAL_QUANTITIES = "stock.channel"  # the quantities of the channels without a connector
ORDER_ACTIONS = "stock.channel.order.action"  # customer service's actions on an order

# the events: what happened, announced by the code that made it happen
MOVE_DONE = "move_done"  # stock moves done (a critical quantity may be crossed)
PUSH_FAILED = "push_failed"  # a push failed, not for a rate limit (retried or dead)
DEAD_LETTER = "dead_letter"  # outbox rows became dead letters
RECONCILE_FINISHED = "reconcile_finished"  # a reconciliation run finished (or failed)
DRIFT_FOUND = "drift_found"  # a reconciliation found drifts
OVERSELL_RECORDED = "oversell_recorded"  # oversell incidents recorded in the ledger
PUSH_LOGGED = "push_logged"  # a push logged, or its answer or verdict recorded
INBOUND_CHANGED = "inbound_changed"  # a channel message changed state (or came in one)
JOB_CHANGED = "job_changed"  # a channel job queued, advanced, waiting or finished
PUSHES_QUEUED = "pushes_queued"  # pushes queued, replayed or requeued (payload: at)
CHANGES_FLUSHED = "changes_flushed"  # the transaction's changes queued, at its commit
# the transaction's stock (or channel) changes, at its commit (payload: warehouses and
# channels, each {id: {product_id or None (every variant): ...}})
STOCK_CHANGED = "stock_changed"
ALERTS_EVALUATED = "alerts_evaluated"  # the alert cron ran (the cards' ages grew)
# an order's status push answered (payload: answer, failed, final: no retry follows)
STATUS_ANSWERED = "status_answered"

# event -> its listeners, in the order they run
LISTENERS = {
    MOVE_DONE: (ALERTS,),
    PUSH_FAILED: (ALERTS, OVERVIEW),
    DEAD_LETTER: (ALERTS, OVERVIEW),
    RECONCILE_FINISHED: (ALERTS, OVERVIEW),
    DRIFT_FOUND: (ALERTS, OVERVIEW),
    OVERSELL_RECORDED: (ALERTS, OVERVIEW),
    PUSH_LOGGED: (OVERVIEW,),
    INBOUND_CHANGED: (OVERVIEW,),
    JOB_CHANGED: (OVERVIEW,),
    PUSHES_QUEUED: (DISPATCHER, OVERVIEW),
    CHANGES_FLUSHED: (LEDGER,),
    STOCK_CHANGED: (LOCAL_QUANTITIES,),
    ALERTS_EVALUATED: (OVERVIEW,),
    STATUS_ANSWERED: (ORDER_ACTIONS,),
}


class UnknownEvent(KeyError):
    """An event name the table does not know (a typo must not go unheard)."""


def route(event):
    """(the listeners' method name, the models listening in the order they run) of
    `event`; UnknownEvent if none."""
    try:
        return f"_on_{event}", LISTENERS[event]
    except KeyError:
        raise UnknownEvent(event) from None


def listeners(event):
    """The models listening to `event`, in the order they run; UnknownEvent if none."""
    try:
        return LISTENERS[event]
    except KeyError:
        raise UnknownEvent(event) from None


def handler(event):
    """The name of the listeners' method for `event`."""
    listeners(event)
    return f"_on_{event}"
