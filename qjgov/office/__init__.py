"""The office store: what the office writes, kept beside the warehouse, not in it (every build
replaces the warehouse file), append-only. Today it holds the goals' commentary notes, which
the next build carries into the marts (docs/architecture.md)."""
