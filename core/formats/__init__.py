"""Format overrides (``FORMAT_MODULE_PATH``): dates are typed and shown ``YYYY-MM-DD`` in every
language, so that date widgets, the admin's calendar and ``core.dates`` agree."""
