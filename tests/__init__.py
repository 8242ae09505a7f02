from . import (
    test_channel,
    test_concurrent_dispatch,
    test_dispatch,
    test_outbox,
    test_policy_rules,
    test_policy_versions,
    test_pos_order,
    test_publishable,
    test_quarantine,
    test_security,
    test_stock_figures,
    test_tours,
)
