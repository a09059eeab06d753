"""Getting pre-rendered fragments to every socket of an audience, once per audience.

Audiences are channel-layer groups: the facilitation team (`staff`), admitted participants
(`participants`), the waiting room (`waiting`) and projectors (`screen`); each participant also
has a personal group for messages meant for them alone.

Every message is HTML for htmx's websocket extension, led by a comment carrying the event's
metadata: `<!--ev {"t": "slide.changed", "v": 12, "prev": 10}-->`. `v` is the run's version
after the change and `prev` the version of the previous event sent to the same audience, so a
client that sees `prev` differ from the last `v` it applied knows it missed something and asks
for a snapshot. Personal messages and errors carry no version.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from channels.layers import get_channel_layer
from django.db import transaction

from dpup_workshop.fastpath.eventloop import call_in_loop
from dpup_workshop.fastpath.layers import DIRECT

logger = logging.getLogger(__name__)

STAFF = "staff"
PARTICIPANTS = "participants"
WAITING = "waiting"
SCREEN = "screen"
# The message type every pushed fragment travels as (layers.py writes it straight out).
PUSH = DIRECT


def run_group_name(run_id: int, audience: str) -> str:
    """The channel-layer group for one audience of one run (ASCII, well under 100 chars)."""
    return f"run-{run_id}-{audience}"


def participant_group_name(run_id: int, participant_id: int) -> str:
    return f"run-{run_id}-p-{participant_id}"


def user_group_name(user_id: int) -> str:
    """Every open team view of one signed-in person, in any run (for signing out)."""
    return f"user-{user_id}"


def envelope(
    event: str,
    html: str,
    *,
    version: int | None = None,
    prev: int | None = None,
    extra: dict | None = None,
) -> str:
    meta: dict = {"t": event} | (extra or {})
    if version is not None:
        meta["v"] = version
        meta["prev"] = prev
    # "--" can't appear inside a comment: escape it within strings.
    text = json.dumps(meta, separators=(",", ":")).replace("--", "-\\u002d")
    return f"<!--ev {text}-->{html}"


def claim_versions(run, audiences: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    """Give the run a new version and note it as the latest for each audience.

    Call inside the transaction that changes the run; the caller saves `version` and
    `audience_versions`. Returns {audience: (version, previous version for that audience)}.
    """
    run.version += 1
    claimed = {}
    versions = dict(run.audience_versions or {})
    for audience in audiences:
        claimed[audience] = (run.version, int(versions.get(audience, 0)))
        versions[audience] = run.version
    run.audience_versions = versions
    return claimed


def send_now(group: str, text: str) -> None:
    """Send a pushed message to a group right away (outside any transaction)."""
    send_all_now([(group, text)])


def send_all_now(messages: list[tuple[str, str]]) -> None:
    """Send pushed messages, each to its group, in one trip to the event loop."""
    layer = get_channel_layer()

    async def send_all() -> None:
        for group, text in messages:
            await layer.group_send(group, {"type": PUSH, "text": text})

    if messages:
        call_in_loop(send_all)


def publish(
    run_id: int,
    event: str,
    claimed: dict[str, tuple[int, int]],
    render: Callable[[str], str],
) -> None:
    """After commit, render each audience's fragment once and send it to that group."""

    def send_all() -> None:
        # The biggest audience first: the room shouldn't wait while the team's view renders.
        for audience in sorted(claimed, key=lambda audience: audience != PARTICIPANTS):
            version, prev = claimed[audience]
            try:
                html = render(audience)
            except Exception:  # a broken render must not lose the other audiences' events
                logger.exception("rendering %s for %s failed", event, audience)
                continue
            send_now(
                run_group_name(run_id, audience),
                envelope(event, html, version=version, prev=prev),
            )

    transaction.on_commit(send_all)


def send_to_group(group: str, message: dict) -> None:
    """After commit, a message to a group's sockets (handled by the consumer)."""

    def send() -> None:
        layer = get_channel_layer()
        call_in_loop(layer.group_send, group, message)

    transaction.on_commit(send)
