"""Staffing quotas (编制): the double-entry ledger, headcounts and recovery campaigns."""
