"""A small service instrumented with pytracingx: traces, metrics and logs, run against ptx-emulator.

    ptx-emulator &                 # or: build/emulator/ptx-emulator
    python examples/quickstart.py  # OTLP/gRPC to 127.0.0.1:4317, SLS to 127.0.0.1:4319
"""
import asyncio
import logging
import os
import random

import pytracingx as ptx
import pytracingx.logging as ptx_logging

OTLP = os.environ.get("PTX_ENDPOINT", "http://127.0.0.1:4317")
SLS = os.environ.get("PTX_SLS_ENDPOINT", "http://127.0.0.1:4319")

# Instruments may be created at import time, before init.
meter = ptx.get_meter("quickstart.shop", "1.0")
orders = meter.counter("shop.orders", unit="1", description="orders checked out")
latency = meter.histogram("shop.checkout.duration", unit="ms", boundaries=[1, 5, 10, 50])
log = ptx.get_logger("quickstart.shop")

ptx.init(
    ptx.Config(
        "quickstart-shop",
        resource_attributes={"deployment.environment": "dev"},
        console_format="compact",
        sinks=[
            ptx.TraceSink(OTLP, batch_schedule_delay_ms=200),
            ptx.MetricSink(OTLP, export_interval_ms=1000),
            ptx.OtlpLogSink(OTLP),
            ptx.SlsLogSink(SLS, project="quickstart", logstore="app-logs", ak_id="dev", ak_secret="dev-secret",
                           topic="checkout"),
        ],
    )
)
ptx_logging.install(logging.INFO)  # stdlib logging goes to the same log pipelines
meter.observable_gauge("shop.stock", lambda: [(42, {"sku": "apple"}), (7, {"sku": "pear"})])


@ptx.trace(kind="client")
async def fetch_price(sku: str) -> float:
    await asyncio.sleep(random.uniform(0.001, 0.005))
    return {"apple": 0.5, "pear": 0.75}.get(sku, 1.0)


@ptx.trace("checkout", kind="server", attributes={"http.route": "/checkout"})
async def checkout(cart):
    loop = asyncio.get_running_loop()
    started = loop.time()
    prices = await asyncio.gather(*(fetch_price(sku) for sku in cart))
    total = sum(prices)
    with ptx.start_span("charge card", attributes={"amount": total, "currency": "EUR"}) as span:
        if total > 1.0:
            span.add_event("fraud check", {"score": 0.02})
        headers = {}
        ptx.inject_headers(headers)  # what a call to the payment service would carry
        span.set_attribute("traceparent", headers["traceparent"])
        log.info("card charged", attributes={"amount": total, "items": len(cart)})
    orders.add(1, {"payment": "card"})
    latency.record((loop.time() - started) * 1000, {"route": "/checkout"})
    return total


async def main():
    await checkout(["apple", "pear"])
    await checkout(["apple"])
    try:
        with ptx.start_span("refund", kind="internal"):
            raise RuntimeError("refunds are closed today")
    except RuntimeError:
        logging.getLogger("quickstart.refunds").exception("refund failed")


asyncio.run(main())
ptx.shutdown()
