"""Goal area page: Efficiency (goals of area `efficiency` in seeds/targets.csv)."""

from qjgov import ui

ui.area_page("efficiency")
