"""Goal area page: Reviews (goals of area `reviews` in seeds/targets.csv)."""

from qjgov.app import area

area.area_page("reviews")
