"""Goal area page: Efficiency (goals of area `efficiency` in seeds/targets.csv)."""

from qjgov.app import area

area.area_page("efficiency")
