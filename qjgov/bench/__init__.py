"""The measures `make bench` reports: the build at several volumes, the pages' queries, page
loads in a real browser (`pageload`) and a crowd of visitors on a running server (`crowd`)."""
