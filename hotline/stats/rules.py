"""What the figures are counted by: the hotline's time zone and thresholds.

Read from the settings (config/): HOTLINE_TIMEZONE for local hours and days,
HOTLINE_SHORT_ABANDON_SECONDS for short abandons, HOTLINE_SERVICE_LEVEL_SECONDS
for "answered in target". docs/metrics.md defines every figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

# A case's outcome that means the person got what they asked for, and the
# outcomes that make it no valid request (docs/metrics.md, support_rate).
SUPPORTIVE = frozenset({"support_given", "referral_completed", "information_given"})
NOT_VALID = frozenset({"no_contact", "invalid"})


@dataclass(frozen=True)
class Rules:
    timezone: ZoneInfo
    short_abandon_seconds: int
    service_level_seconds: int

    def hour(self, moment: datetime) -> str:
        """The local hour `moment` falls in, as the rollups and the API key it: YYYY-MM-DDTHH."""
        return moment.astimezone(self.timezone).strftime("%Y-%m-%dT%H")

    def day(self, moment: datetime) -> date:
        """The local day `moment` falls in: "today" of the live figures."""
        return moment.astimezone(self.timezone).date()


@lru_cache(maxsize=8)
def _rules(timezone: str, short_abandon: int, service_level: int) -> Rules:
    return Rules(ZoneInfo(timezone), short_abandon, service_level)


def rules(config: Mapping) -> Rules:
    return _rules(
        config["HOTLINE_TIMEZONE"],
        config["HOTLINE_SHORT_ABANDON_SECONDS"],
        config["HOTLINE_SERVICE_LEVEL_SECONDS"],
    )
