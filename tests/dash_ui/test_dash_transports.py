import asyncio
import json
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from dash_ui.api.client import ApiError
from dash_ui.api.transports import IDENTITY_SCOPE_KEY, AsgiTransport, HttpTransport, decode_answer


async def echo(request: Request) -> JSONResponse:
    body = await request.json()
    runtime = getattr(request.state, "runtime", None)
    identity = request.scope.get(IDENTITY_SCOPE_KEY)
    return JSONResponse(
        {
            "data": {
                "echo": body,
                "runtime": runtime,
                "host": request.url.hostname,
                "identity": identity,
                "authorization": request.headers.get("authorization"),
            }
        }
    )


async def slow(request: Request) -> JSONResponse:
    await asyncio.sleep(5)
    return JSONResponse({"data": {}})


async def broken(request: Request) -> JSONResponse:
    raise RuntimeError("bug in the view")


echo_app = Starlette(
    routes=[
        Route("/graphql", echo, methods=["POST"]),
        Route("/slow", slow, methods=["POST"]),
        Route("/broken", broken, methods=["POST"]),
    ]
)


@pytest.fixture
def server_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a background thread, as uvicorn's would be."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def test_asgi_transport_posts_through_the_app_on_its_loop_from_another_thread(server_loop):
    # given
    transport = AsgiTransport()
    transport.bind(echo_app, server_loop)

    # when
    answer = transport.post({"query": "query { a }"})

    # then
    assert answer["data"]["echo"] == {"query": "query { a }"}
    assert answer["data"]["host"] == "retention.internal"


def test_asgi_transport_hands_the_lifespan_state_to_each_request(server_loop):
    transport = AsgiTransport()
    transport.bind(echo_app, server_loop, state={"runtime": "the runtime"})

    answer = transport.post({"query": "{ a }"})

    assert answer["data"]["runtime"] == "the runtime"


def test_asgi_transport_carries_its_identity_in_the_scope_where_no_header_can_put_it(server_loop):
    # given a transport bound with the identity its requests run as
    transport = AsgiTransport()
    transport.bind(echo_app, server_loop, identity="the dashboard")

    # when it posts
    answer = transport.post({"query": "{ a }"})

    # then the app sees that identity in the ASGI scope, and no Authorization header was needed
    assert answer["data"]["identity"] == "the dashboard"
    assert answer["data"]["authorization"] is None


def test_asgi_transport_without_an_identity_puts_none_in_the_scope(server_loop):
    transport = AsgiTransport()
    transport.bind(echo_app, server_loop)

    assert transport.post({"query": "{ a }"})["data"]["identity"] is None


def test_asgi_transport_refuses_to_post_before_bind():
    with pytest.raises(RuntimeError, match="before bind"):
        AsgiTransport().post({"query": "{ a }"})


def test_asgi_transport_refuses_to_post_after_unbind(server_loop):
    transport = AsgiTransport()
    transport.bind(echo_app, server_loop)
    transport.unbind()

    with pytest.raises(RuntimeError, match="before bind"):
        transport.post({"query": "{ a }"})


def test_asgi_transport_refuses_to_post_from_the_loop_thread_instead_of_deadlocking(server_loop):
    # given
    transport = AsgiTransport(timeout=2)
    transport.bind(echo_app, server_loop)

    async def post_from_the_loop() -> None:
        transport.post({"query": "{ a }"})

    # when / then
    with pytest.raises(RuntimeError, match="deadlock"):
        asyncio.run_coroutine_threadsafe(post_from_the_loop(), server_loop).result(timeout=5)


def test_asgi_transport_gives_up_after_its_timeout_with_an_unavailable_error(server_loop):
    transport = AsgiTransport(path="/slow", timeout=0.2)
    transport.bind(echo_app, server_loop)

    with pytest.raises(ApiError) as raised:
        transport.post({"query": "{ a }"})

    assert raised.value.code == "UNAVAILABLE"


def test_an_exception_escaping_the_app_becomes_an_internal_api_error_and_is_logged(server_loop, caplog):
    transport = AsgiTransport(path="/broken")
    transport.bind(echo_app, server_loop)

    with pytest.raises(ApiError) as raised:
        transport.post({"query": "{ a }"})

    assert raised.value.code == "INTERNAL"
    assert "bug in the view" in caplog.text


def test_http_transport_reports_an_unreachable_api_as_unavailable():
    # given a port nothing listens on
    transport = HttpTransport("http://127.0.0.1:9/graphql", timeout=2)

    with pytest.raises(ApiError) as raised:
        transport.post({"query": "{ a }"})
    transport.close()

    assert raised.value.code == "UNAVAILABLE"


def test_a_graphql_error_body_is_returned_even_with_a_4xx_status():
    body = {"errors": [{"message": "bad", "extensions": {"code": "BAD_USER_INPUT"}}]}
    response = httpx.Response(400, content=json.dumps(body), headers={"content-type": "application/json"})

    assert decode_answer(response) == body


@pytest.mark.parametrize("status, code", [(401, "UNAUTHENTICATED"), (403, "FORBIDDEN"), (502, "UNAVAILABLE")])
def test_a_non_graphql_answer_is_an_api_error_named_after_its_status(status, code):
    response = httpx.Response(status, content=b"<html>proxy error</html>")

    with pytest.raises(ApiError) as raised:
        decode_answer(response)

    assert raised.value.code == code


def test_an_asgi_answer_that_is_not_json_is_an_api_error(server_loop):
    app = Starlette(routes=[Route("/graphql", lambda request: PlainTextResponse("hello"), methods=["POST"])])
    transport = AsgiTransport()
    transport.bind(app, server_loop)

    with pytest.raises(ApiError):
        transport.post({"query": "{ a }"})


@pytest.fixture
def http_server_url() -> Iterator[str]:
    """The echo app served by uvicorn on a free port, in a background thread."""
    import socket

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(echo_app, log_level="warning", ws="none", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.01)
    else:
        pytest.fail("uvicorn did not start within 5 s")
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
    server.should_exit = True
    thread.join(timeout=5)
    sock.close()


def test_http_transport_posts_the_payload_and_returns_the_answer(http_server_url):
    transport = HttpTransport(http_server_url, timeout=5)

    answer = transport.post({"query": "query { a }"})
    transport.close()

    assert answer["data"]["echo"] == {"query": "query { a }"}
    assert answer["data"]["authorization"] is None


def test_http_transport_sends_its_api_key_as_a_bearer_header(http_server_url):
    transport = HttpTransport(http_server_url, timeout=5, api_key="rtn_secret")

    answer = transport.post({"query": "query { a }"})
    transport.close()

    assert answer["data"]["authorization"] == "Bearer rtn_secret"
    # and an HTTP request, whatever it sends, carries no identity in the scope
    assert answer["data"]["identity"] is None
