"""Where the notebook on screen is *now*, as the Jupyter server knows it.

JPY_SESSION_NAME and the kernel's working folder are fixed when the kernel starts: after the
student moves the notebook to another folder (a drag in the file browser) or renames it,
both still point at the old place — where another notebook of the lab may now be. The
server knows better: JupyterLab and Notebook 7 tell it each move (the session's path), and
it lists its sessions at /api/sessions, each with its kernel's id. This kernel's id is in
its connection file's name (`kernel-<id>.json`, jupyter_server names it so), and the
server's address, token and root folder are in its runtime file (`jpserver-<pid>.json`,
the file `jupyter server list` reads), in the runtime folder the kernel inherits from it.

Nothing here is trusted as proof of content: the check still waits for the file holding its
nonce. This only says which folder to look in, and which file `--saved` means.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

ASK_SECONDS = 2.0  # loopback; a server that does not answer in this is not ours to wait for


def kernel_id() -> str | None:
    """This kernel's id, from its connection file's name; None outside a Jupyter kernel."""
    try:
        from ipykernel.connect import get_connection_file

        name = Path(get_connection_file()).name
    except Exception:  # no ipykernel, or no kernel app (plain IPython): no server to ask
        return None
    if name.startswith("kernel-") and name.endswith(".json"):
        return name[len("kernel-") : -len(".json")]
    return None


def _servers() -> list[dict]:
    try:
        from jupyter_core.paths import jupyter_runtime_dir

        runtime = Path(jupyter_runtime_dir())
    except Exception:
        return []
    found = []
    for path in sorted(runtime.glob("jpserver-*.json")):
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and info.get("url") and info.get("root_dir"):
            found.append(info)
    return found


def _sessions(info: dict) -> list[dict]:
    url = str(info["url"]).rstrip("/") + "/api/sessions"
    request = urllib.request.Request(
        url, headers={"Authorization": f"token {info.get('token', '')}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=ASK_SECONDS) as response:
            sessions = json.load(response)
    except (OSError, ValueError):
        return []
    return sessions if isinstance(sessions, list) else []


def current_notebook() -> Path | None:
    """The notebook file of this kernel's session now (absolute); None if no running server
    on this machine has a session with this kernel."""
    kernel = kernel_id()
    if kernel is None:
        return None
    for info in _servers():
        for session in _sessions(info):
            if not isinstance(session, dict):
                continue
            if (session.get("kernel") or {}).get("id") == kernel and session.get("path"):
                return Path(info["root_dir"]) / str(session["path"])
    return None
