"""Every GraphQL document the dashboard sends, one per page, named for the page it draws."""

OVERVIEW_PAGE = """
query OverviewPage($topRiskCount: Int!, $bins: Int!) {
  overview {
    customerCount
    activeCount
    churnedCount
    labelledCount
    churnRate
    scoredCount
    highRiskCount
    averageHealthScore
    monthlyRevenue
    monthlyRevenueAtRisk
    modelVersion
    tiers { tier count monthlyCharges }
  }
  riskDistribution(bins: $bins) { lower upper customers }
  churnBySegment(dimension: SUBSCRIPTION_TYPE) {
    label customers labelled churned churnRate churnRateLow churnRateHigh meanProbability tooSmall
  }
  retentionCurve { tenureMonth retained atRisk }
  customers(first: $topRiskCount, orderBy: {field: EXPECTED_LOSS, direction: DESC}) {
    edges {
      node {
        id
        name
        subscriptionType
        monthlyCharges
        expectedLoss
        risk { score tier probability }
      }
    }
  }
}
"""

CUSTOMER_PAGE = """
query CustomerPage($id: ID!, $historySize: Int!) {
  customer(id: $id) {
    id
    name
    email
    subscriptionType
    tenureMonths
    monthlyCharges
    lastLoginDays
    loginFrequency
    avgSessionDuration
    featureUsageCount
    monthlyActiveDays
    usageDropFlag
    paymentFailures
    discountApplied
    supportTicketCount
    unresolvedTickets
    churn
    healthScore
    risk {
      probability
      score
      tier
      modelVersion
      scoredAt
      baseValue
      drivers { feature label value contribution }
    }
    riskChange {
      from { probability modelVersion scoredAt }
      to { probability modelVersion scoredAt }
      delta
      baseValueChange
      modelChanged
      drivers { feature label valueBefore valueAfter contribution }
    }
    recommendedActions { action description newProbability riskReduction expectedRevenueSaved }
    riskHistory(first: $historySize) { edges { node { probability modelVersion scoredAt } } }
  }
  features { name column label unit kind role }
}
"""

_METRICS = """
      rows rocAuc prAuc brier logLoss positiveRate topDecileLift
      rocCurve { x y }
      prCurve { x y }
      reliability { lower upper customers meanPredicted observedRate }
      confusion { tier threshold truePositives falsePositives trueNegatives falseNegatives precision recall }
"""

MODEL_PAGE = (
    """
query ModelPage {
  model {
    version createdAt trainingRows testRows trainingSeconds searchMethod calibrated
    parameters { name value }
    metrics {"""
    + _METRICS
    + """    }
    baseline {"""
    + _METRICS
    + """    }
  }
  models { version active recorded problem details { createdAt trainingRows rocAuc brier } }
}
"""
)

WHATIF_START = """
query WhatIfStart {
  features { name column label unit kind modelInput minimum maximum categories description }
  model { version typicalProfile }
}
"""

WHATIF_SCORE = """
query WhatIfScore($profile: CustomerProfileInput!) {
  scoreProfile(profile: $profile) {
    probability score tier modelVersion baseValue
    drivers { feature label value contribution }
  }
}
"""


def customer_profile_document(fields: list[str]) -> str:
    """A customer's values of `fields` (GraphQL field names the features query listed)."""
    return "query WhatIfCustomer($id: ID!) { customer(id: $id) { " + " ".join(fields) + " } }"


_SEGMENT = "label customers labelled churned churnRate churnRateLow churnRateHigh meanProbability tooSmall"

DRIVERS_PAGE = """
query DriversPage($driverLimit: Int!) {
  churnDrivers(limit: $driverLimit) { feature label importance }
  features { name column label kind modelInput }
}
"""

DRIVERS_DECILES = "query Deciles($feature: String!) { churnByDecile(feature: $feature) { " + _SEGMENT + " } }"

DRIVERS_SEGMENTS = (
    "query Segments($dimension: SegmentDimension!) { churnBySegment(dimension: $dimension) { "
    + _SEGMENT
    + " } }"
)

CUSTOMERS_BLOCK = """
query CustomersBlock(
  $first: Int!, $after: String, $offset: Int, $filter: CustomerFilter, $orderBy: CustomerOrder,
  $withTotal: Boolean!
) {
  customers(first: $first, after: $after, offset: $offset, filter: $filter, orderBy: $orderBy) {
    totalCount @include(if: $withTotal)
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id name email subscriptionType tenureMonths monthlyCharges lastLoginDays expectedLoss
        risk { probability tier }
      }
    }
  }
}
"""

CUSTOMER_PLANS = "query Plans { features { name categories } }"

TRAIN_MODEL = "mutation Train($trees: Int!) { trainModel(trees: $trees) { id state progress } }"
ACTIVATE_MODEL = "mutation Activate($version: String!) { activateModel(version: $version) { id state } }"
JOB_STATE = "query Job($id: ID!) { job(id: $id) { id kind state progress result error } }"
