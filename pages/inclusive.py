"""Goal area page: Inclusive services and channels (goals of area `inclusive` in seeds/targets.csv)."""

from qjgov import ui

ui.area_page("inclusive")
