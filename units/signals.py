"""Signals other apps hook into (``units`` never imports them).

``registry_changed`` is sent inside the transaction of every approval, revocation or bulk
re-derivation, after the versions are written: receivers (the staffing ledger) re-derive what
depends on the versions and may raise ``RegistryError`` to refuse the whole write.

    unit_ids:       the units whose versions were re-derived
    decisions:      the decisions approved or revoked (may be empty for a rebuild)
    action:         "approve", "revoke", "register" or "rebuild"
"""

import django.dispatch

registry_changed = django.dispatch.Signal()
