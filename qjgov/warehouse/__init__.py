"""The warehouse: the raw-data contract, the working-day calendar, the build runner with its
load checks and one-at-a-time publishing."""
