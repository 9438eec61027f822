"""The demo: a generator of realistic raw data for the commission, its catalogue, an
independent check of where each goal lands, the demo build and the demo's export files."""
