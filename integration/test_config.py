"""Configuration objects: validation messages, masking, describe(), environment defaults."""
import pytest

from conftest import app_json

import pytracingx as ptx


def test_config_repr_and_describe():
    cfg = ptx.Config("svc", sinks=[ptx.TraceSink("http://127.0.0.1:4317")])
    assert repr(cfg) == "Config(service_name='svc', traces=1, metrics=0, otlp_logs=0, sls_logs=0, console=True)"
    d = cfg.describe()
    assert d["service_name"] == "svc"
    assert d["console_output"] is True
    assert d["console_format"] == "compact"
    assert (d["traces"], d["metrics"], d["otlp_logs"], d["sls_logs"]) == (1, 0, 0, 0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(service_name=""), "service_name must not be empty"),
        (dict(service_name="s", console_format="xml"), "unknown console_format 'xml'"),
        (dict(service_name="s", console_level="loud"), "unknown console_level 'loud'"),
    ],
)
def test_config_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ptx.Config(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(endpoint=""), "endpoint must not be empty"),
        (dict(endpoint="x:1", protocol="thrift"), "unknown protocol 'thrift'"),
        (dict(endpoint="x:1", sampler="sometimes"), "unknown sampler 'sometimes'"),
        (dict(endpoint="x:1", sampler="traceidratio", sampler_arg=1.5), "sampler_arg must be between 0 and 1"),
        (dict(endpoint="x:1", batch_max_queue=0), "batch_max_queue must be positive"),
        (dict(endpoint="x:1", batch_max_queue=10, batch_max_export=20), "batch_max_export must not exceed batch_max_queue"),
    ],
)
def test_trace_sink_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ptx.TraceSink(**kwargs)


def test_type_errors_name_the_argument():
    with pytest.raises(TypeError, match="timeout_ms must be an int"):
        ptx.TraceSink("x:1", timeout_ms="10")
    with pytest.raises(TypeError, match="sinks must contain TraceSink, MetricSink, OtlpLogSink or SlsLogSink objects"):
        ptx.Config("s", sinks=["http://x"])
    with pytest.raises(TypeError, match="headers keys and values must be str"):
        ptx.TraceSink("x:1", headers={"a": 1})


def test_enum_strings_are_case_insensitive():
    sink = ptx.TraceSink("http://x:1", protocol="HTTP", sampler="AlWaYs_On")
    assert sink.protocol == "http/protobuf"
    assert sink.sampler == "always_on"
    assert ptx.Config("s", console_format="JSON").console_format == "json"


def test_secrets_are_masked_in_repr():
    sink = ptx.TraceSink(
        "x:1",
        headers={"x-sls-otel-ak-id": "LTAIid", "x-sls-otel-ak-secret": "s3cr3t", "Authorization": "Bearer t0k"},
    )
    text = repr(sink)
    assert "LTAIid" in text
    assert "s3cr3t" not in text and "t0k" not in text
    assert text.count("'***'") == 2


def test_raw_otlp_repr_and_validation():
    assert repr(ptx.RawOtlp()) == "RawOtlp()"
    assert repr(ptx.RawOtlp(compression="gzip")) == "RawOtlp(compression='gzip')"
    assert repr(ptx.RawOtlp(compression="GZIP")) == "RawOtlp(compression='gzip')"
    with pytest.raises(ValueError, match="unknown compression 'brotli'"):
        ptx.RawOtlp(compression="brotli")


def test_environment_supplies_defaults_and_explicit_arguments_win():
    env = {
        "OTEL_SERVICE_NAME": "from-env",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_HEADERS": "api-key=abc%20def,x-tenant=t1",
        "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
        "OTEL_EXPORTER_OTLP_TIMEOUT": "2500",
        "OTEL_TRACES_SAMPLER": "traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.25",
        "OTEL_BSP_MAX_QUEUE_SIZE": "100",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "10",
        "OTEL_BSP_SCHEDULE_DELAY": "50",
    }
    got = app_json(
        """
        import json, pytracingx as ptx
        s = ptx.TraceSink()
        e = ptx.TraceSink("http://explicit:4317", protocol="grpc", sampler="always_off", timeout_ms=99)
        print(json.dumps({"env": s.describe(), "explicit": e.describe(),
                          "svc": ptx.Config().service_name, "svc2": ptx.Config("mine").service_name}))
        """,
        env=env,
    )
    s = got["env"]
    assert s["endpoint"] == "http://collector:4318/v1/traces"
    assert s["protocol"] == "http/protobuf"
    assert s["headers"] == {"api-key": "***", "x-tenant": "t1"}
    assert s["compression"] == "gzip"
    assert s["timeout_ms"] == 2500
    assert (s["sampler"], s["sampler_arg"]) == ("traceidratio", 0.25)
    assert (s["batch_max_queue"], s["batch_max_export"], s["batch_schedule_delay_ms"]) == (100, 10, 50)
    e = got["explicit"]
    assert (e["endpoint"], e["protocol"], e["sampler"], e["timeout_ms"]) == ("http://explicit:4317", "grpc", "always_off", 99)
    assert got["svc"] == "from-env"
    assert got["svc2"] == "mine"


def test_api_before_init_is_a_cheap_no_op():
    got = app_json(
        """
        import json, pytracingx as ptx
        with ptx.start_span("x", attributes={"a": 1}) as s:
            s.set_attribute("b", 2)
            s.add_event("e")
            ctx = ptx.current_trace_context()
            carrier = {}
            ptx.inject_headers(carrier)
        print(json.dumps({"recording": s.is_recording(), "trace_id": s.trace_id(), "ctx": ctx,
                          "carrier": carrier, "flush": ptx.force_flush(100)}))
        """
    )
    assert got == {"recording": False, "trace_id": None, "ctx": {"trace_id": None, "span_id": None},
                   "carrier": {}, "flush": True}


def test_second_init_raises():
    got = app_json(
        """
        import json, pytracingx as ptx
        ptx.init(ptx.Config("s", console_output=False))
        try:
            ptx.init(ptx.Config("s", console_output=False))
            print(json.dumps("no error"))
        except RuntimeError as e:
            print(json.dumps(str(e)))
        """
    )
    assert "already initialized" in got


def test_bad_span_arguments_raise():
    with pytest.raises(ValueError, match="unknown span kind 'sideways'"):
        ptx.start_span("x", kind="sideways")
    with pytest.raises(TypeError, match="attribute keys must be str"):
        ptx.start_span("x", attributes={1: "a"})
    span = ptx.start_span("x")
    with pytest.raises(ValueError, match="unknown status code 'meh'"):
        span.set_status("meh")
    with pytest.raises(ValueError, match="invalid trace id 'zz'"):
        span.add_link("zz", "00f067aa0ba902b7")
    with pytest.raises(ValueError, match="unknown span kind 'bogus'"):
        ptx.trace(kind="bogus")(lambda: None)


def test_sdk_disabled_by_environment(emulator):
    got = app_json(
        f"""
        import json, pytracingx as ptx
        ptx.init(ptx.Config("off", console_output=False, sinks=[ptx.TraceSink({emulator.grpc_endpoint!r})]))
        with ptx.start_span("invisible") as s:
            pass
        print(json.dumps({{"recording": s.is_recording(), "trace_id": s.trace_id(), "flush": ptx.force_flush(1000)}}))
        """,
        env={"OTEL_SDK_DISABLED": "true"},
    )
    assert got == {"recording": False, "trace_id": None, "flush": True}
    assert emulator.get("/api/traces?name=invisible")["traces"] == []


def test_raw_otlp_ca_file():
    raw = ptx.RawOtlp(compression="gzip", ca_file="/etc/ssl/private-ca.pem")
    assert repr(raw) == "RawOtlp(compression='gzip', ca_file='/etc/ssl/private-ca.pem')"
    assert ptx.TraceSink("https://x:4318", protocol="http", raw_otlp=raw).describe()["ca_file"] == "/etc/ssl/private-ca.pem"
    with pytest.raises(ValueError, match="ca_file must not be empty"):
        ptx.RawOtlp(ca_file="")
    with pytest.raises(TypeError, match="raw_otlp must be a RawOtlp"):
        ptx.TraceSink("x:1", raw_otlp={"compression": "gzip"})
