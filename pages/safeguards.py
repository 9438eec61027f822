"""Goal area page: Safeguards and milestones (goals of area `safeguards` in seeds/targets.csv)."""

from qjgov.app import area

area.area_page("safeguards")
