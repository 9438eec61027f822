"""Bounds on what a visitor can make the server do: work in a child process the operating
system limits (`worker`), and a fixed number of such jobs at once for the whole server, however
many app processes serve it (`slots`)."""
