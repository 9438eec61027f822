"""Goal area page: Complaints (goals of area `complaints` in seeds/targets.csv)."""

from qjgov import ui

ui.area_page("complaints")
