"""Goal area page: Online service (goals of area `online` in seeds/targets.csv)."""

from qjgov import ui

ui.area_page("online")
