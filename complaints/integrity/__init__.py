"""The record kept honest: the audit hash chain, live rows against their history,
retention and anonymisation, staff accounts never erased, and backups that restore."""
