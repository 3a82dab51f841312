from __future__ import annotations

from datetime import datetime, timedelta

from django import template

register = template.Library()


@register.filter
def epoch_ms(value: datetime | None) -> int | str:
    return int(value.timestamp() * 1000) if value else ""


@register.filter
def ms(value: timedelta) -> int:
    return int(value.total_seconds() * 1000)


@register.filter
def clock(value: timedelta) -> str:
    """Time left as the timer shows it: m:ss, rounded up so 0:00 means time is up."""
    total = max(0, -int(-value.total_seconds() // 1))
    minutes, seconds = divmod(total, 60)
    return f"{minutes}:{seconds:02d}"


@register.simple_tag
def join_guard_stopped() -> datetime | None:
    """When guessing join codes was last stopped (workshops.guards), for the facilitators."""
    from workshops.guards import last_stopped

    return last_stopped()
