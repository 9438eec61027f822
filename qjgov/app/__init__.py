"""The Streamlit app's parts: what draws widgets and pages, and the caches around the shared
reads (`qjgov.present`). It reads marts only and imports the warehouse only to build a missing
demo. Nothing outside the app (its pages and app.py) imports it."""
