"""Every GraphQL document the dashboard sends, one per page, named for the page it draws."""

OVERVIEW_PAGE = """
query OverviewPage($driverLimit: Int!, $topRiskCount: Int!) {
  overview {
    customerCount
    churnedCount
    churnRate
    scoredCount
    highRiskCount
    monthlyRevenue
    monthlyRevenueAtRisk
    modelVersion
    tiers { tier count monthlyCharges }
  }
  churnDrivers(limit: $driverLimit) { feature label importance }
  customers(first: $topRiskCount) {
    totalCount
    edges {
      node {
        id
        name
        subscriptionType
        monthlyCharges
        risk { score tier probability }
      }
    }
  }
}
"""
