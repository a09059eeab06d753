"""One submission, one effect: a form sent twice (a double click, Enter and a click, a resend)
makes one chat line, question or poll, not two.

The browser gives each submission of such a form a `token` and sends the same token again for
the same form and text until the server has acknowledged it. The service claims the token for
its run and sender before writing; a repeat finds it claimed, writes nothing, and is
acknowledged as the first was, so the form still clears.

Claims live in the cache (`cache.add`: atomic, and gone by themselves after TTL), not in a
column with a unique constraint: a repeat comes within seconds, so a claim needs no row that
outlives it, nor a schema change on three models on the busiest paths. With REDIS_URL the cache
is shared by every process; without it the one server process keeps them in its memory.
Joining is an HTTP form whose two posts can reach two processes, so a join's token is
kept with the participant instead: see `participant_join`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache

from sessions.domain.permissions import Actor

TTL = 10 * 60  # seconds: far longer than any double click or reconnect


def _key(run_id: int, actor: Actor, token: str) -> str:
    who = f"p{actor.participant_id}" if actor.participant_id else f"u{actor.user_id}"
    return f"once:{run_id}:{who}:{token}"


@contextmanager
def first_submission(run_id: int, actor: Actor, token: str | None) -> Iterator[bool]:
    """Claim `token` for this run and actor: True the first time (or without a token), False
    for a repeat. If the block raises (the action was refused after all), the claim is given
    back, so the same submission may be tried again."""
    if not token:
        yield True
        return
    key = _key(run_id, actor, token)
    claimed = cache.add(key, 1, timeout=TTL)
    try:
        yield claimed
    except BaseException:
        if claimed:
            cache.delete(key)
        raise
