"""The what-if of a policy change (docs/whatif.md): what every channel would publish
before and after, in figures, before the change is applied.

- whatif.py: the model (stock.channel.whatif), its states, its start from a policy
  (Change Rules… on a draft copy; the peak switch);
- compute.py: Compute, the figures of every variant x channel in batch (the real
  computation, the policy substituted by context) through core.whatif;
- apply.py: Apply (the draft's rules into the policy, one version; or the switch) and
  Discard;
- summary.py: stock.channel.whatif.channel, a channel's figures;
- change.py: stock.channel.whatif.change, a changed (channel, variant), stored in batch.
"""

from . import apply, change, compute, summary, whatif
