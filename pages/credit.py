"""Goal area page: Credit (goals of area `credit` in seeds/targets.csv)."""

from qjgov.app import area

area.area_page("credit")
