"""Goal area page: Safeguards and milestones (goals of area `safeguards` in seeds/targets.csv)."""

from qjgov import ui

ui.area_page("safeguards")
