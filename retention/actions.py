"""The retention actions an analyst can take, declared once: which features each changes, how, at what cost.

An action is scored as a what-if: the customer's profile with the action's changes, through the active
model. The difference is what the model associates with such a profile, not a promised effect of doing
it (the model learnt from customers as they were, not from an experiment). Edit this list to change
what is recommended; every target must lie in its feature's declared range (checked at import).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from retention.features import COLUMNS_BY_NAME, Kind, Role
from retention.records import Value


class Direction(Enum):
    """Which way an action moves a feature: never the other way."""

    LOWER = "lower"  # to the target when above it (tickets resolved, a login brought forward)
    RAISE = "raise"  # to the target when below it (a discount given)


@dataclass(frozen=True)
class Change:
    """One feature an action moves, towards `target`."""

    feature: str
    target: int | float
    direction: Direction

    def applied(self, value: Value) -> Value:
        """The feature's value once the action is taken."""
        assert isinstance(value, int | float), f"{self.feature} is not numeric"
        if self.direction is Direction.LOWER:
            return min(value, self.target)
        return max(value, self.target)


@dataclass(frozen=True)
class Action:
    """A declared action: what it is called, what it does to a profile, what it costs."""

    name: str  # an UPPER_CASE code clients can key on
    description: str
    changes: tuple[Change, ...]
    fixed_cost: float = 0.0  # currency, once
    # Of the customer's monthly charges, each month of the horizon (a discount is given every month).
    monthly_charge_share: float = 0.0

    def applies_to(self, profile: Mapping[str, Value]) -> bool:
        """True when taking the action would change the profile."""
        return any(
            change.applied(profile[change.feature]) != profile[change.feature] for change in self.changes
        )

    def applied(self, profile: Mapping[str, Value]) -> dict[str, Value]:
        """The profile once the action is taken."""
        changed = dict(profile)
        for change in self.changes:
            changed[change.feature] = change.applied(profile[change.feature])
        return changed

    def cost(self, monthly_charges: float, horizon_months: float) -> float:
        """What the action costs over the horizon."""
        return self.fixed_cost + self.monthly_charge_share * monthly_charges * horizon_months


ACTIONS: tuple[Action, ...] = (
    Action(
        "RESOLVE_OPEN_TICKETS",
        "Resolve the customer's open support tickets (unresolved tickets to 0).",
        (Change("unresolved_tickets", 0, Direction.LOWER),),
    ),
    Action(
        "WIN_BACK_IDLE_USER",
        "Win back an idle user: reach out so they log in again (last login 7 days ago at most).",
        (Change("last_login_days", 7, Direction.LOWER),),
    ),
    Action(
        "FIX_PAYMENT_METHOD",
        "Help the customer fix their payment method (payment failures to 0).",
        (Change("payment_failures", 0, Direction.LOWER),),
    ),
    Action(
        "REVERSE_USAGE_DROP",
        "Re-engage a customer whose usage dropped: an onboarding call or a tour (usage drop cleared).",
        (Change("usage_drop_flag", 0, Direction.LOWER),),
    ),
    Action(
        "OFFER_DISCOUNT",
        "Offer a 10% discount (discount applied); costs 10% of the charges each month of the horizon.",
        (Change("discount_applied", 1, Direction.RAISE),),
        monthly_charge_share=0.10,
    ),
)


def _check_declared(actions: tuple[Action, ...]) -> None:
    names = [action.name for action in actions]
    if len(set(names)) != len(names):
        raise ValueError(f"action names repeat: {names}")
    for action in actions:
        for change in action.changes:
            column = COLUMNS_BY_NAME.get(change.feature)
            if column is None or column.role is not Role.FEATURE or column.kind is Kind.CATEGORY:
                raise ValueError(f"{action.name}: {change.feature} is not a numeric model feature")
            low, high = column.minimum, column.maximum
            if (low is not None and change.target < low) or (high is not None and change.target > high):
                raise ValueError(f"{action.name}: {change.target} is outside {change.feature}'s range")


_check_declared(ACTIONS)
