"""Which year's report is being prepared on a given day."""

from datetime import date

# Reports for year Y are written from December Y and published by 31 January / 31 March of
# Y+1; until mid-year Y+1 "this year's report" still means Y's.
_LAST_MONTH_OF_REPORTING_SEASON = 6


def report_year_for(day: date) -> int:
    return day.year - 1 if day.month <= _LAST_MONTH_OF_REPORTING_SEASON else day.year
