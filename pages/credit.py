"""Goal area page: Credit (goals of area `credit` in seeds/targets.csv)."""

from qjgov import ui

ui.area_page("credit")
