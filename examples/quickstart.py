"""A small service instrumented with pytracingx: run it against ptx-emulator.

    ptx-emulator &                 # or: build/emulator/ptx-emulator
    python examples/quickstart.py  # OTLP/gRPC to 127.0.0.1:4317 unless PTX_ENDPOINT says otherwise
"""
import asyncio
import os
import random

import pytracingx as ptx

ENDPOINT = os.environ.get("PTX_ENDPOINT", "http://127.0.0.1:4317")

ptx.init(
    ptx.Config(
        "quickstart-shop",
        resource_attributes={"deployment.environment": "dev"},
        console_format="compact",
        sinks=[ptx.TraceSink(ENDPOINT, batch_schedule_delay_ms=200)],
    )
)


@ptx.trace(kind="client")
async def fetch_price(sku: str) -> float:
    await asyncio.sleep(random.uniform(0.001, 0.005))
    return {"apple": 0.5, "pear": 0.75}.get(sku, 1.0)


@ptx.trace("checkout", kind="server", attributes={"http.route": "/checkout"})
async def checkout(cart):
    prices = await asyncio.gather(*(fetch_price(sku) for sku in cart))
    total = sum(prices)
    with ptx.start_span("charge card", attributes={"amount": total, "currency": "EUR"}) as span:
        if total > 1.0:
            span.add_event("fraud check", {"score": 0.02})
        headers = {}
        ptx.inject_headers(headers)  # what a call to the payment service would carry
        span.set_attribute("traceparent", headers["traceparent"])
    return total


async def main():
    await checkout(["apple", "pear"])
    try:
        with ptx.start_span("refund", kind="internal"):
            raise RuntimeError("refunds are closed today")
    except RuntimeError:
        pass


asyncio.run(main())
ptx.shutdown()
