"""A page of customers with everything explained costs a fixed number of SQL statements, whatever its size."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.graphql_api.calls import data
from tests.graphql_api.history_fixture import History, give_history
from tests.support import ScoredDatabase

EXPLAINED_PAGE = """
query Page($first: Int!) {
  customers(first: $first) {
    edges { node {
      id
      risk { probability baseValue drivers { feature value contribution description } }
      riskHistory(first: 5) {
        pageInfo { hasNextPage } edges { cursor node { probability drivers { contribution } } }
      }
      riskChange {
        delta baseValueChange drivers { feature contribution } from { probability } to { probability }
      }
      recommendedActions { action newProbability expectedRevenueSaved }
    } }
  }
}"""


@pytest.fixture(scope="module")
def history(scored_database: ScoredDatabase) -> History:
    return give_history(scored_database)


def _count(api: TestClient, statements: list[str], first: int) -> int:
    statements.clear()
    edges = data(api, EXPLAINED_PAGE, first=first)["customers"]["edges"]
    assert len(edges) == first
    assert all(edge["node"]["risk"]["drivers"] for edge in edges)
    return len(statements)


def test_an_explained_page_of_100_costs_as_many_statements_as_a_page_of_10(
    api: TestClient, history: History, statements: list[str]
) -> None:
    data(api, EXPLAINED_PAGE, first=1)  # warm: the key is verified and cached

    ten, hundred = _count(api, statements, 10), _count(api, statements, 100)

    assert ten == hundred
    # the page (no count: totalCount is not selected), then one each: latest explanations, histories, changes
    assert hundred == 4, statements
