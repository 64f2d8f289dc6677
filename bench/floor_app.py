"""The floor for the API load bench: one customer's risk with no GraphQL, the least a server can do.

A plain Starlette route that reads the customer's profile row through SQLAlchemy and scores it with the
active version's ONNX graph (the same loader the API uses, `LoadedModel.fast`), in a worker thread as any
handler that must not block the event loop does. It takes the same JSON body as the API's riskScore
request (`variables.id`) and answers the same shape, so one wrk script drives both.

    RETENTION_DATABASE_URL=... RETENTION_MODEL_DIR=... uvicorn bench.floor_app:create_app --factory
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from retention.config import Settings
from retention.ml.matrix import MODEL_COLUMNS, matrix_from_tuples
from retention.runtime import Runtime, build_runtime
from retention.storage.tables import customers


def floor_probability(runtime: Runtime, customer_id: str) -> float | None:
    """P(churn) of one stored customer by the active model, None for an unknown id."""
    query = select(*(customers.c[column.name] for column in MODEL_COLUMNS)).where(
        customers.c.customer_id == customer_id
    )
    with runtime.engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return None
    return float(runtime.active_model().fast.churn_probability(matrix_from_tuples([tuple(row)]))[0])


def create_app(runtime: Runtime | None = None) -> Starlette:
    """The floor app, on a runtime of the environment's settings unless given one."""
    served = runtime if runtime is not None else build_runtime(Settings())
    served.refresh_active_model()

    async def risk(request: Request) -> Response:
        body: dict[str, Any] = json.loads(await request.body())
        probability = await run_in_threadpool(floor_probability, served, str(body["variables"]["id"]))
        if probability is None:
            answer: dict[str, Any] = {"data": None, "errors": [{"message": "no such customer"}]}
        else:
            answer = {"data": {"riskScore": {"probability": probability}}}
        return Response(json.dumps(answer), media_type="application/json")

    return Starlette(routes=[Route("/floor", risk, methods=["POST"])])
