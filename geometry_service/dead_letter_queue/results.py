"""What the stores and the queue report: counts by error type and code, forwarding results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from ..errors import ErrorType
from .record import as_utc, iso

# -- results -----------------------------------------------------------------


@dataclass(frozen=True)
class SummaryGroup:
    """Failures of one (error_type, error_code): what every store can aggregate."""

    error_type: str
    error_code: str
    count: int
    oldest: datetime
    newest: datetime

    @classmethod
    def from_values(
        cls,
        error_type: str,
        error_code: str,
        count: int,
        oldest: datetime | str,
        newest: datetime | str,
    ) -> SummaryGroup:
        return cls(error_type, error_code, int(count), as_utc(oldest), as_utc(newest))


@dataclass(frozen=True)
class StoreStats:
    """What a store knows about its failures."""

    total: int
    last_24h: int
    by_error_type: dict[str, int]
    by_error_code: dict[str, int]
    oldest: datetime | None
    newest: datetime | None

    @classmethod
    def from_groups(cls, groups: Sequence[SummaryGroup], last_24h: int) -> StoreStats:
        """Fold per-(type, code) groups; every error type appears, zero or not."""
        by_error_type = {error_type.value: 0 for error_type in ErrorType}
        by_error_code: dict[str, int] = {}
        for group in groups:
            by_error_type[group.error_type] = by_error_type.get(group.error_type, 0) + group.count
            by_error_code[group.error_code] = by_error_code.get(group.error_code, 0) + group.count
        return cls(
            total=sum(group.count for group in groups),
            last_24h=int(last_24h),
            by_error_type=by_error_type,
            by_error_code=dict(sorted(by_error_code.items())),
            oldest=min((group.oldest for group in groups), default=None),
            newest=max((group.newest for group in groups), default=None),
        )


@dataclass(frozen=True)
class DLQStats(StoreStats):
    """/dlq/stats: the store's view plus what still waits in the local spool."""

    pending_in_spool: int
    quarantined: int
    store: str

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["oldest"] = iso(self.oldest) if self.oldest else None
        data["newest"] = iso(self.newest) if self.newest else None
        return data


@dataclass(frozen=True)
class ForwardResult:
    """The outcome of one forwarding pass; ``error`` says why records stayed spooled,
    ``quarantined`` how many the store rejected for good."""

    forwarded: int
    pending: int
    error: str | None = None
    quarantined: int = 0
