from . import controllers, models, wizard


def post_init_hook(env):
    """Give every existing warehouse its Quarantine location."""
    env["stock.warehouse"].with_context(active_test=False).search([])._ensure_quarantine_location()
