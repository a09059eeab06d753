from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, as readable lines."""
    results = _axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} - "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
