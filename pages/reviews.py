"""Goal area page: Reviews (goals of area `reviews` in seeds/targets.csv)."""

from qjgov import ui

ui.area_page("reviews")
