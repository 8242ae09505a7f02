"""Order automation rules (core/automation.py decides; these records store):

- ruleset.py: stock.channel.order.ruleset, one per company: the draft rules, the
  published version, Publish, `_published_rules` (cached per company), the menu's action
- rule.py: stock.channel.order.rule, a rule's conditions as fields, `_snapshot_values()`
  and the way back from a snapshot
- action.py: stock.channel.order.rule.action, one action of a rule
- version.py: stock.channel.order.ruleset.version, a published snapshot, its author and
  note, Restore
- dry_run.py: stock.channel.order.dry.run, the draft against the published version on
  the company's last channel orders
"""

from . import action, dry_run, rule, ruleset, version
