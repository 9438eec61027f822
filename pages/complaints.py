"""Goal area page: Complaints (goals of area `complaints` in seeds/targets.csv)."""

from qjgov.app import area

area.area_page("complaints")
