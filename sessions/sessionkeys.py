"""Where a browser's participant identity lives in its Django session."""

from __future__ import annotations


def participant_session_key(run) -> str:
    return f"runs:{run.pk}:participant"
