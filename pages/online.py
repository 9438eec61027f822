"""Goal area page: Online service (goals of area `online` in seeds/targets.csv)."""

from qjgov.app import area

area.area_page("online")
