"""Goal area page: One thing and cross-region handling (goals of area `one_thing` in seeds/targets.csv)."""

from qjgov.app import area

area.area_page("one_thing")
