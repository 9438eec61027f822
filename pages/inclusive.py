"""Goal area page: Inclusive services and channels (goals of area `inclusive` in seeds/targets.csv)."""

from qjgov.app import area

area.area_page("inclusive")
