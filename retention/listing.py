"""What a customers listing asks for: which customers (a filter) and in which order, checked once here."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from enum import Enum

from retention import features
from retention.errors import InvalidInput
from retention.records import RiskTier

MAX_SEARCH_CHARS = 100


class CustomerSortField(Enum):
    """What a customers listing can be ordered by."""

    SCORE = "SCORE"
    EXPECTED_LOSS = "EXPECTED_LOSS"
    TENURE = "TENURE"
    MONTHLY_CHARGES = "MONTHLY_CHARGES"
    LAST_LOGIN = "LAST_LOGIN"
    NAME = "NAME"

    @property
    def nullable(self) -> bool:
        """True for keys an unscored customer has no value of; those customers always come last."""
        return self in (CustomerSortField.SCORE, CustomerSortField.EXPECTED_LOSS)


class SortDirection(Enum):
    """Ascending or descending."""

    ASC = "ASC"
    DESC = "DESC"


@dataclass(frozen=True)
class CustomerOrder:
    """An order of the listing; ties are broken by customer id in the same direction."""

    field: CustomerSortField = CustomerSortField.SCORE
    direction: SortDirection = SortDirection.DESC

    @property
    def code(self) -> str:
        return f"{self.field.value} {self.direction.value}"


DEFAULT_ORDER = CustomerOrder()


@dataclass(frozen=True)
class CustomerFilter:
    """Which customers a listing holds; every condition given must hold (None means any)."""

    tier: RiskTier | None = None
    subscription_type: str | None = None
    min_score: int | None = None
    max_score: int | None = None
    churned: bool | None = None
    scored: bool | None = None
    search: str | None = None

    def checked(self) -> CustomerFilter:
        """This filter with its search trimmed; InvalidInput naming the first argument that is wrong."""
        for name, value in (("minScore", self.min_score), ("maxScore", self.max_score)):
            if value is not None and not 0 <= value <= 100:
                raise InvalidInput(f"filter.{name} must be between 0 and 100 (got {value})")
        if self.min_score is not None and self.max_score is not None and self.min_score > self.max_score:
            raise InvalidInput(
                f"filter.minScore ({self.min_score}) is above filter.maxScore ({self.max_score})"
            )
        plans = features.COLUMNS_BY_NAME["subscription_type"].categories
        if self.subscription_type is not None and self.subscription_type not in plans:
            raise InvalidInput(
                f"filter.subscriptionType must be one of {', '.join(plans)} (got {self.subscription_type!r})"
            )
        if self.scored is False and self.names_score:
            raise InvalidInput("filter.scored is false, but tier, minScore or maxScore need a score")
        search = self.search
        if search is not None:
            search = search.strip()
            if not search:
                raise InvalidInput("filter.search is empty; leave it out to match every customer")
            if len(search) > MAX_SEARCH_CHARS:
                raise InvalidInput(f"filter.search is longer than {MAX_SEARCH_CHARS} characters")
            if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in search):
                raise InvalidInput("filter.search holds a control character")
        return replace(self, search=search)

    @property
    def names_score(self) -> bool:
        """True when a condition is on the score (tier, minScore, maxScore)."""
        return any(v is not None for v in (self.tier, self.min_score, self.max_score))

    @property
    def needs_score(self) -> bool:
        """True when only scored customers can match."""
        return self.scored is True or self.names_score


NO_FILTER = CustomerFilter()
