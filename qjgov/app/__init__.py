"""The Streamlit app's parts: the read-only connection, cached reads, charts, downloads, words
(zh.toml, en.toml) and the page parts. It reads marts only and imports the warehouse only to
build a missing demo."""
