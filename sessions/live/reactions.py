"""Reactions over the socket, counted in batches.

A thousand people reacting at once must not mean a thousand transactions. Each socket's
reaction waits a moment for company (as answers do in batching.py) and the batch is counted in
one transaction (reactions.reactions_record); each sender hears "reaction.sent" once it is
committed. Pushing what was counted is reactionpush.py's job.
"""

from __future__ import annotations

from sessions.domain import reactions
from sessions.live.batching import Batcher

# Reactions wait longer for company than answers: nobody waits on their acknowledgement.
batcher = Batcher(reactions.reactions_record, window=0.05, max_batch=1000)
