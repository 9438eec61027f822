"""The commission's own server: the office store, what the office writes, kept beside the
warehouse, not in it (every build replaces the warehouse file), append-only, in one SQLite file
opened one way (`store`): the goals' commentary notes with their authors and approvals
(`notes`, which the next build carries into the marts, approved ones only), the audit trail
(`audit`) and the store's backups (`backup`); and the access file that says who may do what
(`access`). See docs/architecture.md and docs/deployment.md."""
