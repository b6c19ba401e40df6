"""ptx-emulator's web UI in a real browser: Debian's headless chromium, driven over the DevTools
protocol on a pipe (--remote-debugging-pipe: NUL-terminated JSON on fds 3 and 4, so the standard
library suffices), against an emulator filled by the SDK (traces, OTLP logs, metrics, SLS logs).

The test reads the rendered DOM with Runtime.evaluate and checks names and values in the trace
list, the waterfall and span details, the log view, the metric charts and the SLS view; it saves
one screenshot per view to build/ui-screenshots/. Waits are polls with a deadline inside the page.
"""
import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import threading

import pytest

from conftest import EMULATOR_BIN, ROOT, Emulator, app_json

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = os.environ.get("PTX_UI_SCREENSHOTS", os.path.join(ROOT, "build", "ui-screenshots"))

pytestmark = [
    pytest.mark.skipif(not os.access(EMULATOR_BIN, os.X_OK), reason=f"{EMULATOR_BIN} not built"),
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (ci/setup.sh installs it)"),
]

T0 = 1_700_000_000_000_000_000  # 2023-11-14 22:13:20 UTC
MS = 1_000_000
LINKED_TRACE, LINKED_SPAN = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"

APP = """
import json, pytracingx as ptx
T0, MS = {t0}, {ms}
ptx.init(ptx.Config("ui-shop", console_output=False, sinks=[
    ptx.TraceSink({grpc!r}),
    ptx.OtlpLogSink({grpc!r}),
    ptx.MetricSink({grpc!r}),
    ptx.SlsLogSink({sls!r}, "ui-proj", "ui-store", "ak-id", "ak-secret", batch_linger_ms=50),
]))
log = ptx.get_logger("checkout")
meter = ptx.get_meter("ui.meter")
orders = meter.counter("shop.orders", unit="{{order}}", description="orders placed")
latency = meter.histogram("shop.latency", unit="ms", boundaries=[10, 100])
depth = meter.gauge("shop.queue_depth")

root = ptx.start_span("GET /checkout", kind="server",
                      attributes={{"http.route": "/checkout", "http.status_code": 200}}, start_time_ns=T0)
with root:
    child = ptx.start_span("charge-card", kind="client", start_time_ns=T0 + 10 * MS)
    with child:
        child.add_event("retry", {{"attempt": 2}}, timestamp_ns=T0 + 15 * MS)
        child.add_link({linked_trace!r}, {linked_span!r}, {{"peer": "inventory"}})
        child.set_status("error", "card declined")
        log.error("payment failed for order 42", attributes={{"order.id": 42}})
        child.end(T0 + 40 * MS)
    log.info("cart loaded")
    root.end(T0 + 50 * MS)
health = ptx.start_span("GET /health", kind="server", start_time_ns=T0 + 100 * MS)
health.end(T0 + 102 * MS)

orders.add(3)
for value in (5, 50, 60, 500):
    latency.record(value)
depth.record(7)
first = ptx.force_flush(10000)
orders.add(2)
second = ptx.force_flush(10000)
ptx.shutdown()
print(json.dumps({{"ok": first and second, "trace": root.trace_id(), "root": root.span_id(),
                   "child": child.span_id(), "health": health.trace_id()}}))
"""


class DevTools:
    """A chromium process and a DevTools session with one page, over --remote-debugging-pipe."""

    def __init__(self, width=1280, height=860):
        self.profile = tempfile.mkdtemp(prefix="ptx-ui-chromium-")
        self._stderr = tempfile.TemporaryFile()  # a file, not a pipe: chromium must never block on it
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_pipes():
            # In the child: the protocol lives on fds 3 (commands) and 4 (replies). Move both
            # ends above 4 first, since either may be 3 or 4 already. Only these two are
            # inheritable (os.pipe's are not), so close_fds=False leaks nothing else.
            commands = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
            replies = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(commands, 3)
            os.dup2(replies, 4)
            os.close(commands)
            os.close(replies)

        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--mute-audio", f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
            close_fds=False, preexec_fn=wire_pipes)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies = {}
        self._cond = threading.Condition()
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            self.call("Emulation.setDeviceMetricsOverride",
                      {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=True)
            self.call("Emulation.setTimezoneOverride", {"timezoneId": "UTC"}, session=True)
        except BaseException:
            self.close()
            raise

    def _browser_log(self):
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-2000:]

    def _read(self):
        buffer = b""
        while True:
            chunk = os.read(self._from_browser, 65536)
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                if "id" in message:  # replies; events (no id) are not needed
                    with self._cond:
                        self._replies[message["id"]] = message
                        self._cond.notify_all()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def call(self, method, params=None, session=False, timeout=30):
        self._next_id += 1
        request_id = self._next_id
        message = {"id": request_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise AssertionError(f"chromium exited: {self._browser_log()}") from None
        with self._cond:
            if not self._cond.wait_for(lambda: request_id in self._replies or self._closed, timeout):
                raise AssertionError(f"DevTools {method}: no reply in {timeout} s")
            if request_id not in self._replies:
                raise AssertionError(f"chromium exited: {self._browser_log()}")
            reply = self._replies.pop(request_id)
        if "error" in reply:
            raise AssertionError(f"DevTools {method}: {reply['error']}")
        return reply["result"]

    def evaluate(self, expression, timeout=30):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, session=True, timeout=timeout + 5)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise AssertionError(details.get("exception", {}).get("description") or details.get("text"))
        return result["result"].get("value")

    def wait_for(self, predicate, timeout=20):
        """Polls the JS `predicate` (a function body's expression) in the page until it is
        truthy and returns its value; fails with what the page shows after `timeout`."""
        script = f"""new Promise((resolve, reject) => {{
          const deadline = Date.now() + {int(timeout * 1000)};
          const tick = () => {{
            let value = null;
            try {{ value = ({predicate}); }} catch (e) {{ value = null; }}
            if (value) resolve(value);
            else if (Date.now() > deadline) reject(new Error('timed out waiting for: ' + {json.dumps(predicate)} +
                '\\nstatus: ' + document.getElementById('status').textContent +
                '\\npage: ' + document.getElementById('view').innerText.slice(0, 1500)));
            else setTimeout(tick, 50);
          }};
          tick();
        }})"""
        return self.evaluate(script, timeout=timeout)

    def navigate(self, url):
        self.call("Page.navigate", {"url": url}, session=True)

    def screenshot(self, name):
        data = base64.b64decode(self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"])
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        os.makedirs(SCREENSHOTS, exist_ok=True)
        with open(os.path.join(SCREENSHOTS, name), "wb") as f:
            f.write(data)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.call("Browser.close", timeout=10)
            except AssertionError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        self._reader.join(timeout=10)
        os.close(self._from_browser)
        self._stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def ui_emulator():
    emu = Emulator()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def browser():
    devtools = DevTools()
    yield devtools
    devtools.close()


def texts(selector):
    """JS: the trimmed textContent of every element matching `selector`, as a list."""
    return f"[...document.querySelectorAll({json.dumps(selector)})].map((e) => e.textContent.trim())"


def show(browser, fragment, ready):
    """Switches the page to `fragment` and waits until `ready` (JS) is truthy; returns it."""
    browser.evaluate(f"location.hash = {json.dumps(fragment)}")
    return browser.wait_for(ready)


def test_ui_renders_what_the_sdk_sent(ui_emulator, browser):
    emu = ui_emulator
    # Empty first: the page must pick the data up by itself once it arrives.
    browser.navigate(emu.http_base + "/ui/#/traces")
    assert browser.wait_for("document.querySelector('#trace-list .empty')?.textContent") == "No traces yet."

    got = app_json(APP.format(t0=T0, ms=MS, grpc=emu.grpc_endpoint, sls="http://" + emu.sls,
                              linked_trace=LINKED_TRACE, linked_span=LINKED_SPAN))
    assert got["ok"] is True
    trace, health = got["trace"], got["health"]

    # --- trace list: newest first, with service, root name, duration, span count, error marker.
    rows = browser.wait_for(f"""(() => {{
        const rows = [...document.querySelectorAll('tr.trace-row')];
        if (rows.length < 2) return null;
        return rows.map((r) => ({{id: r.dataset.traceId, service: r.querySelector('.service').textContent,
            root: r.querySelector('.root-name').textContent, duration: r.querySelector('.duration').textContent,
            spans: r.querySelector('.span-count').textContent, error: r.querySelector('.error-cell').textContent}}));
    }})()""")
    assert rows == [
        {"id": health, "service": "ui-shop", "root": "GET /health", "duration": "2.00 ms", "spans": "1", "error": ""},
        {"id": trace, "service": "ui-shop", "root": "GET /checkout", "duration": "50.00 ms", "spans": "2",
         "error": "ERROR"},
    ]
    assert browser.evaluate("document.querySelector('#trace-summary').textContent") == "2 shown of 2 matching"
    browser.screenshot("traces.png")

    # Filters go through the URL into the query API.
    ids = "[...document.querySelectorAll('tr.trace-row')].map((r) => r.dataset.traceId)"
    for fragment, expected in [("#/traces?error=true", [trace]), ("#/traces?min_duration_ms=10", [trace]),
                               ("#/traces?name=charge-card", [trace]), ("#/traces?service=ui-shop", [health, trace])]:
        summary = f"{len(expected)} shown of {len(expected)} matching"
        assert show(browser, fragment, f"document.querySelector('#trace-summary')?.textContent === "
                                       f"{json.dumps(summary)} && {ids}") == expected, fragment
    assert show(browser, "#/traces?service=nobody",
                "document.querySelector('#trace-list .empty')?.textContent") == "No traces yet."
    assert browser.evaluate("document.querySelector('input[name=service]').value") == "nobody"

    # --- waterfall: a click on the row opens the trace; spans in tree order with their bars.
    show(browser, "#/traces", f"document.querySelector('tr.trace-row[data-trace-id=\"{trace}\"]')")
    browser.evaluate(f"document.querySelector('tr.trace-row[data-trace-id=\"{trace}\"]').click()")
    waterfall = browser.wait_for("""(() => {
        const rows = [...document.querySelectorAll('#waterfall .span-row')];
        if (rows.length < 2 || !document.querySelector('#span-detail .detail-name')) return null;
        return rows.map((r) => ({id: r.dataset.spanId, name: r.querySelector('.span-name').textContent,
            duration: r.querySelector('.span-dur').textContent, bar: r.querySelector('.span-bar').getAttribute('style'),
            error: r.querySelector('.span-bar').classList.contains('error')}));
    })()""")
    assert browser.evaluate("location.hash") == f"#/trace/{trace}"
    assert waterfall == [
        {"id": got["root"], "name": "GET /checkout", "duration": "50.00 ms", "bar": "left:0%;width:100%",
         "error": False},
        {"id": got["child"], "name": "charge-card", "duration": "30.00 ms", "bar": "left:20%;width:60%",
         "error": True},
    ]
    assert browser.evaluate("document.querySelector('#trace-root-name').textContent") == "GET /checkout"
    # The root is selected first: its attributes with their values.
    assert browser.evaluate("document.querySelector('#span-detail .detail-name').textContent") == "GET /checkout"
    assert browser.evaluate(texts("#span-detail .span-attributes tr")) == ["http.route/checkout",
                                                                          "http.status_code200"]
    assert "service.nameui-shop" in browser.evaluate(texts("#span-detail .resource-attributes tr"))

    browser.evaluate(f"document.querySelector('.span-row[data-span-id=\"{got['child']}\"]').click()")
    detail = browser.wait_for("""document.querySelector('#span-detail .detail-name')?.textContent === 'charge-card' && {
        status: document.querySelector('#span-detail .span-status').textContent,
        fields: [...document.querySelectorAll('#span-fields tr')].map((r) => r.cells[0].textContent + '=' + r.cells[1].textContent),
        events: [...document.querySelectorAll('#span-detail .event')].map((e) => e.innerText.replace(/\\s+/g, ' ').trim()),
        links: [...document.querySelectorAll('#span-detail .link')].map((e) => e.innerText.replace(/\\s+/g, ' ').trim()),
        selected: document.querySelector('.span-row.selected').dataset.spanId}""")
    assert detail["status"] == "ERROR card declined"
    assert detail["selected"] == got["child"]
    assert detail["fields"] == [f"span id={got['child']}", f"parent={got['root']}", "kind=client",
                                "status=ERROR card declined", "start=2023-11-14 22:13:20.010",
                                "duration=30.00 ms", "service=ui-shop", "scope="]
    assert detail["events"] == ["retry +5.00 ms attempt 2"]
    assert detail["links"] == [f"{LINKED_TRACE} / {LINKED_SPAN} peer inventory"]
    browser.screenshot("waterfall.png")

    # --- logs: severity, body, search, and the jump to the trace.
    logs = show(browser, "#/logs", """(() => {
        const rows = [...document.querySelectorAll('tr.log-row')];
        if (rows.length < 2) return null;
        return rows.map((r) => [r.querySelector('.sev').textContent, r.querySelector('.service').textContent,
                                r.querySelector('.body').textContent, !!r.querySelector('a.trace-link')]);
    })()""")
    assert sorted(logs) == [["ERROR", "ui-shop", "payment failed for order 42", True],
                            ["INFO", "ui-shop", "cart loaded", True]]
    browser.screenshot("logs.png")
    searched = show(browser, "#/logs?text=PAYMENT", f"""document.querySelector('#log-summary')?.textContent ===
        '1 shown of 1 matching' && {texts('tr.log-row .body')}""")
    assert searched == ["payment failed for order 42"]
    assert show(browser, "#/logs?severity_min=17", f"""document.querySelector('#log-summary')?.textContent ===
        '1 shown of 1 matching' && {texts('tr.log-row .sev')}""") == ["ERROR"]
    browser.evaluate("document.querySelector('tr.log-row a.trace-link').click()")
    assert browser.wait_for("document.querySelector('.span-row.selected')?.dataset.spanId") == got["child"]
    assert browser.evaluate("location.hash") == f"#/trace/{trace}?span={got['child']}"

    # --- metrics: the sum and gauge as line charts with their last value, the histogram's buckets.
    series = {s["name"]: s for s in emu.get("/api/metrics")["series"]}
    cards = show(browser, "#/metrics", """(() => {
        const cards = [...document.querySelectorAll('.metric-card')];
        if (cards.length < 3) return null;
        return Object.fromEntries(cards.map((c) => [c.dataset.name, {
            type: c.dataset.type, last: c.querySelector('.last').textContent,
            sub: c.querySelector('.sub').textContent,
            points: c.querySelector('svg.line-chart')?.getAttribute('data-points') ?? null,
            path: !!c.querySelector('svg.line-chart path.line'),
            dots: c.querySelectorAll('svg.line-chart circle.dot').length,
            buckets: [...c.querySelectorAll('svg.histogram-chart rect.bar')].map((b) => [b.dataset.bucket, b.dataset.count])}]));
    })()""")
    assert cards["shop.orders"] == {"type": "sum", "last": "5", "sub": "sum · cumulative · {order} · ui-shop",
                                    "points": str(len(series["shop.orders"]["points"])), "path": True,
                                    "dots": len(series["shop.orders"]["points"]), "buckets": []}
    assert len(series["shop.orders"]["points"]) >= 2
    assert cards["shop.queue_depth"]["type"] == "gauge" and cards["shop.queue_depth"]["last"] == "7"
    assert cards["shop.queue_depth"]["points"] == str(len(series["shop.queue_depth"]["points"]))
    assert cards["shop.latency"]["type"] == "histogram"
    assert cards["shop.latency"]["last"] == "count 4 · sum 615 · min 5 · max 500"
    assert cards["shop.latency"]["buckets"] == [["≤10", "1"], ["≤100", "2"], [">100", "1"]]
    browser.screenshot("metrics.png")
    assert show(browser, "#/metrics?name=shop.latency",
                "document.querySelector('#metric-summary')?.textContent === '1 series shown of 1' && "
                + texts(".metric-card .title")) == ["shop.latency"]

    # --- SLS: the project and logstore the SLS sink created, and its logs.
    store = show(browser, "#/sls", "document.querySelector('a[data-logstore=\"ui-proj/ui-store\"]')?.textContent")
    assert store == "ui-store (2)"
    browser.evaluate("document.querySelector('a[data-logstore=\"ui-proj/ui-store\"]').click()")
    contents = browser.wait_for(f"""document.querySelectorAll('tr.sls-row').length === 2 &&
        [...document.querySelectorAll('tr.sls-row')].map((r) => Object.fromEntries(
            [...r.querySelectorAll('.contents .kv')].map((kv) => [kv.querySelector('.k').textContent.slice(0, -1),
                                                                  kv.querySelector('.v').textContent])))""")
    by_message = {row["message"]: row for row in contents}
    assert set(by_message) == {"payment failed for order 42", "cart loaded"}
    assert by_message["payment failed for order 42"]["level"] == "ERROR"
    assert by_message["payment failed for order 42"]["trace_id"] == trace
    assert by_message["payment failed for order 42"]["order.id"] == "42"
    browser.screenshot("sls.png")


def test_ui_shows_an_unknown_trace_as_not_found(ui_emulator, browser):
    browser.navigate(ui_emulator.http_base + "/ui/#/trace/" + "ab" * 16)
    message = browser.wait_for("document.querySelector('#trace-header .empty')?.textContent")
    assert message == f"trace {'ab' * 16} not found"
