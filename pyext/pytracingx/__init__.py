"""pytracingx: OpenTelemetry-compatible telemetry for Python with a native engine.

    import pytracingx as ptx
    ptx.init(ptx.Config("checkout", sinks=[ptx.TraceSink("http://127.0.0.1:4317")]))
    with ptx.start_span("charge", attributes={"amount": 12.5}):
        ...

Everything runs in the native module ``pytracingx._native``; this file only re-exports it
and adds the ``trace`` decorator.
"""
from ._native import (
    Config,
    Counter,
    Gauge,
    Histogram,
    Logger,
    Meter,
    MetricSink,
    ObservableInstrument,
    OtlpLogSink,
    UpDownCounter,
    ExtractedContext,
    RawOtlp,
    SlsLogSink,
    Span,
    TraceSink,
    __version__,
    current_trace_context,
    emit_log_record,
    extract_headers,
    force_flush,
    get_logger,
    get_meter,
    init,
    inject_headers,
    restore_context,
    shutdown,
    start_span,
    stats,
)
from ._decorators import trace

__all__ = [
    "Config",
    "Counter",
    "Gauge",
    "Histogram",
    "Logger",
    "Meter",
    "MetricSink",
    "ObservableInstrument",
    "OtlpLogSink",
    "UpDownCounter",
    "ExtractedContext",
    "RawOtlp",
    "SlsLogSink",
    "Span",
    "TraceSink",
    "__version__",
    "current_trace_context",
    "emit_log_record",
    "extract_headers",
    "force_flush",
    "get_logger",
    "get_meter",
    "init",
    "inject_headers",
    "restore_context",
    "shutdown",
    "start_span",
    "stats",
    "trace",
]
