"""What the app and the monthly report (and any later reader: a department's digest) share,
and that knows no Streamlit: the words (zh.toml, en.toml), how numbers, gaps, targets and
changes are written, the status words and colours, the sentences of "what it would take",
owners, the chart specs, the spreadsheet writers, the read queries as plain functions and the
read-only connection to the published warehouse. Its functions take plain values (language,
as-of date, department, a goal row), never the app's state."""
