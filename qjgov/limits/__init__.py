"""Bounds on what a visitor can make the server do: work in a child process the operating
system limits (`worker`), a fixed number of such jobs at once for the whole server, however
many app processes serve it (`slots`), and the SQL sandbox that runs a visitor's reading query
within them (`sandbox`)."""
