// Span, start_span and current_trace_context. Every call converts its arguments under the GIL
// and hands them to the native LiveSpan; nothing here blocks on I/O.
#include "tracing.h"

#include <pybind11/stl.h>

#include "convert.h"
#include "frames.h"
#include "ptx/base/clock.h"
#include "runtime.h"

namespace ptx::py {
namespace pyb = pybind11;
namespace {

SpanKind ParseKind(pyb::handle kind) {
  auto text = OptionalStr(kind, "kind");
  if (!text) return SpanKind::kInternal;
  std::string k = Lower(*text);
  if (k == "internal") return SpanKind::kInternal;
  if (k == "server") return SpanKind::kServer;
  if (k == "client") return SpanKind::kClient;
  if (k == "producer") return SpanKind::kProducer;
  if (k == "consumer") return SpanKind::kConsumer;
  throw pyb::value_error("unknown span kind '" + *text + "'");
}

SpanStatusCode ParseStatus(pyb::handle code) {
  auto text = OptionalStr(code, "code");
  std::string c = text ? Lower(*text) : std::string("unset");
  if (c == "ok") return SpanStatusCode::kOk;
  if (c == "error") return SpanStatusCode::kError;
  if (c == "unset") return SpanStatusCode::kUnset;
  throw pyb::value_error("unknown status code '" + *text + "'");
}

std::string RequireStr(pyb::handle value, const char* what) {
  auto s = OptionalStr(value, what);
  if (!s) throw pyb::type_error(std::string(what) + " must be a str, got NoneType");
  return *s;
}

uint64_t OptionalTime(pyb::handle value, const char* what) {
  auto t = OptionalInt(value, what);
  if (!t) return 0;
  if (*t <= 0) throw pyb::value_error(std::string(what) + " must be positive");
  return static_cast<uint64_t>(*t);
}

SpanContext LinkContext(pyb::handle trace_id, pyb::handle span_id) {
  std::string t = RequireStr(trace_id, "link trace_id");
  std::string s = RequireStr(span_id, "link span_id");
  auto tid = TraceId::FromHex(t);
  if (!tid || !tid->valid()) throw pyb::value_error("invalid trace id '" + t + "' in link");
  auto sid = SpanId::FromHex(s);
  if (!sid || !sid->valid()) throw pyb::value_error("invalid span id '" + s + "' in link");
  SpanContext ctx;
  ctx.trace_id = *tid;
  ctx.span_id = *sid;
  ctx.trace_flags = kTraceFlagSampled;
  return ctx;
}

// A link given as a Span/ExtractedContext, a (trace_id, span_id[, attributes]) tuple, or a
// {"trace_id", "span_id", "attributes"} dict.
SpanLink ParseLink(pyb::handle item) {
  SpanLink link;
  if (pyb::isinstance<ContextFrame>(item)) {
    auto* frame = item.cast<ContextFrame*>();
    if (!frame->context) throw pyb::value_error("cannot link to a span without a context");
    link.context = *frame->context;
    return link;
  }
  if (PyDict_Check(item.ptr())) {
    auto d = pyb::reinterpret_borrow<pyb::dict>(item);
    if (!d.contains("trace_id") || !d.contains("span_id")) {
      throw pyb::value_error("a link dict needs 'trace_id' and 'span_id'");
    }
    link.context = LinkContext(d["trace_id"], d["span_id"]);
    if (d.contains("attributes")) AppendAttributes(d["attributes"], "link attributes", link.attributes);
    return link;
  }
  if (PyTuple_Check(item.ptr()) || PyList_Check(item.ptr())) {
    auto seq = pyb::reinterpret_borrow<pyb::sequence>(item);
    if (seq.size() != 2 && seq.size() != 3) {
      throw pyb::value_error("a link tuple is (trace_id_hex, span_id_hex[, attributes])");
    }
    link.context = LinkContext(seq[0], seq[1]);
    if (seq.size() == 3) AppendAttributes(seq[2], "link attributes", link.attributes);
    return link;
  }
  throw pyb::type_error("links must hold spans, (trace_id, span_id[, attributes]) tuples or dicts, got " +
                        std::string(Py_TYPE(item.ptr())->tp_name));
}

// str(exception), or a placeholder when its __str__ raises.
std::string SafeStr(pyb::handle exception) {
  PyObject* text = PyObject_Str(exception.ptr());
  if (text == nullptr) {
    PyErr_Clear();
    return "<unprintable " + std::string(Py_TYPE(exception.ptr())->tp_name) + " object>";
  }
  pyb::object owned = pyb::reinterpret_steal<pyb::object>(text);
  return owned.cast<std::string>();
}

// What OpenTelemetry puts in the status description: "Type: message".
std::string DescribeException(pyb::handle exception) {
  return std::string(Py_TYPE(exception.ptr())->tp_name) + ": " + SafeStr(exception);
}

std::string FormatTraceback(pyb::handle exception) {
  // Leaked on purpose: a static pyb::object would be released after the interpreter is gone.
  static pyb::handle format =
      pyb::object(pyb::module_::import("traceback").attr("format_exception")).release();
  try {
    pyb::object lines = format(pyb::type::handle_of(exception), exception,
                               exception.attr("__traceback__"));
    return pyb::str("").attr("join")(lines).cast<std::string>();
  } catch (const pyb::error_already_set&) {
    return {};  // a traceback that cannot be formatted is left out, not fatal
  }
}

}  // namespace

void PySpan::RecordException(pyb::handle exception, pyb::handle attributes, bool escaped) {
  if (!live || !live->recording()) return;
  if (!PyExceptionInstance_Check(exception.ptr())) {
    throw pyb::type_error("record_exception needs an exception instance, got " +
                          std::string(Py_TYPE(exception.ptr())->tp_name));
  }
  Attributes extra;
  AppendAttributes(attributes, "attributes", extra);
  std::string type = pyb::type::handle_of(exception).attr("__qualname__").cast<std::string>();
  std::string message = SafeStr(exception);
  live->RecordException(type, message, FormatTraceback(exception), std::move(extra), escaped);
}

void PySpan::End(uint64_t end_time_unix_nano) {
  if (live) live->End(end_time_unix_nano);
}

pyb::object StartSpan(pyb::handle name, pyb::handle attributes, pyb::handle kind, pyb::handle links,
                      pyb::handle start_time_ns) {
  std::string span_name = RequireStr(name, "name");
  SpanKind span_kind = ParseKind(kind);
  auto span = std::make_unique<PySpan>();
  ContextFrame* parent = CurrentFrame();
  if (parent) span->baggage = parent->baggage;
  Tracer* tracer = Runtime::Get().tracer();
  if (tracer == nullptr) {
    // Not running (before init, disabled, after shutdown): a non-recording span that carries
    // its parent's context, so that propagation passes through untouched. Arguments are still
    // validated, so that bad input fails the same way in every state.
    Attributes ignored;
    AppendAttributes(attributes, "attributes", ignored);
    if (parent) span->context = parent->context;
    return pyb::cast(std::move(span));
  }
  StartSpanOptions options;
  options.name = std::move(span_name);
  options.kind = span_kind;
  options.start_time_unix_nano = OptionalTime(start_time_ns, "start_time_ns");
  if (parent) options.parent = parent->context;
  AppendAttributes(attributes, "attributes", options.attributes);
  if (!links.is_none()) {
    if (PyUnicode_Check(links.ptr()) || !PySequence_Check(links.ptr())) {
      throw pyb::type_error("links must be a list");
    }
    for (auto item : pyb::reinterpret_borrow<pyb::sequence>(links)) {
      options.links.push_back(ParseLink(item));
    }
  }
  span->live.emplace(tracer->StartSpan(std::move(options)));
  span->context = span->live->context();
  return pyb::cast(std::move(span));
}

void RegisterTracing(pyb::module_& m) {
  using namespace pybind11::literals;

  pyb::class_<PySpan, ContextFrame>(m, "Span", "A span; use it as a context manager to make it current.")
      .def("__enter__",
           [](pyb::object self) {
             auto& span = self.cast<PySpan&>();
             span.token = Activate(self);
             return self;
           })
      .def("__exit__",
           [](PySpan& span, pyb::handle exc_type, pyb::handle exc, pyb::handle tb) {
             // Restoring the context and ending the span must happen whatever recording the
             // exception does (its __str__ may raise): a span left current would adopt every
             // later span of this context.
             pyb::object token = std::move(span.token);
             span.token = pyb::none();
             if (!exc.is_none() && span.live && span.live->recording()) {
               try {
                 span.RecordException(exc, pyb::none(), true);
                 span.live->SetStatus(SpanStatusCode::kError, DescribeException(exc));
               } catch (const pyb::error_already_set&) {
                 span.live->SetStatus(SpanStatusCode::kError, "exception could not be described");
               }
             }
             Deactivate(token);
             span.End(0);
             return false;
           },
           "exc_type"_a, "exc"_a, "tb"_a)
      .def(
          "set_attribute",
          [](PySpan& span, pyb::handle key, pyb::handle value) {
            std::string k = AttributeKey(key);
            auto v = ToAttributeValue(value);
            if (v && span.live) span.live->SetAttribute(k, std::move(*v));
          },
          "key"_a, "value"_a)
      .def(
          "set_attributes",
          [](PySpan& span, pyb::handle attributes) {
            Attributes attrs;
            AppendAttributes(attributes, "attributes", attrs);
            if (!span.live) return;
            for (auto& [k, v] : attrs) span.live->SetAttribute(k, std::move(v));
          },
          "attributes"_a)
      .def(
          "add_event",
          [](PySpan& span, pyb::handle name, pyb::handle attributes, pyb::handle timestamp_ns) {
            std::string n = RequireStr(name, "name");
            Attributes attrs;
            AppendAttributes(attributes, "attributes", attrs);
            uint64_t ts = OptionalTime(timestamp_ns, "timestamp_ns");
            if (span.live) span.live->AddEvent(std::move(n), std::move(attrs), ts);
          },
          "name"_a, "attributes"_a = pyb::none(), "timestamp_ns"_a = pyb::none())
      .def(
          "add_link",
          [](PySpan& span, pyb::handle trace_id_hex, pyb::handle span_id_hex, pyb::handle attributes) {
            SpanContext ctx = LinkContext(trace_id_hex, span_id_hex);
            Attributes attrs;
            AppendAttributes(attributes, "attributes", attrs);
            if (span.live) span.live->AddLink(ctx, std::move(attrs));
          },
          "trace_id_hex"_a, "span_id_hex"_a, "attributes"_a = pyb::none())
      .def(
          "set_status",
          [](PySpan& span, pyb::handle code, pyb::handle description) {
            SpanStatusCode c = ParseStatus(code);
            auto d = OptionalStr(description, "description");
            if (span.live) span.live->SetStatus(c, d ? *d : std::string());
          },
          "code"_a, "description"_a = pyb::none())
      .def(
          "update_name",
          [](PySpan& span, pyb::handle name) {
            std::string n = RequireStr(name, "name");
            if (span.live) span.live->UpdateName(std::move(n));
          },
          "name"_a)
      .def("record_exception", &PySpan::RecordException, "exception"_a, "attributes"_a = pyb::none(),
           "escaped"_a = false)
      .def(
          "end",
          [](PySpan& span, pyb::handle end_time_ns) { span.End(OptionalTime(end_time_ns, "end_time_ns")); },
          "end_time_ns"_a = pyb::none())
      .def("trace_id",
           [](const PySpan& span) -> pyb::object {
             if (!span.context) return pyb::none();
             return pyb::str(span.context->trace_id.ToHex());
           })
      .def("span_id",
           [](const PySpan& span) -> pyb::object {
             if (!span.context) return pyb::none();
             return pyb::str(span.context->span_id.ToHex());
           })
      .def("is_recording", [](const PySpan& span) { return span.live && span.live->recording(); })
      .def("__repr__", [](const PySpan& span) {
        if (!span.context) return std::string("Span(non-recording)");
        return "Span(trace_id='" + span.context->trace_id.ToHex() + "', span_id='" +
               span.context->span_id.ToHex() + "', recording=" +
               (span.live && span.live->recording() ? "True" : "False") + ")";
      });

  m.def("start_span", &StartSpan, "name"_a, "attributes"_a = pyb::none(), "kind"_a = "internal",
        "links"_a = pyb::none(), "start_time_ns"_a = pyb::none(),
        "Starts a span whose parent is the current span of the calling context.");

  m.def("current_trace_context", [] {
    pyb::dict out;
    ContextFrame* frame = CurrentFrame();
    if (frame && frame->context) {
      out["trace_id"] = frame->context->trace_id.ToHex();
      out["span_id"] = frame->context->span_id.ToHex();
    } else {
      out["trace_id"] = pyb::none();
      out["span_id"] = pyb::none();
    }
    return out;
  });

  m.def(
      "_activate", [](pyb::handle frame) {
        if (!pyb::isinstance<ContextFrame>(frame)) throw pyb::type_error("_activate needs a Span");
        return Activate(frame);
      },
      "span"_a, "Makes span current without ending it later; restore_context(token) undoes it.");

  m.def(
      "_check_span_options",
      [](pyb::handle kind, pyb::handle attributes) {
        ParseKind(kind);
        Attributes attrs;
        AppendAttributes(attributes, "attributes", attrs);
      },
      "kind"_a, "attributes"_a);
}

}  // namespace ptx::py
