// Span, start_span and current_trace_context. Every call converts its arguments under the GIL
// and hands them to the native LiveSpan; nothing here blocks on I/O. The span path (start_span,
// __enter__, __exit__, the Span methods) is written against the CPython API: see the Span type.
#include "tracing.h"

#include <pybind11/stl.h>
#include <structmember.h>

#include <new>

#include "convert.h"
#include "fastcall.h"
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
  if (ContextFrame* frame = AsFrame(item.ptr())) {
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

// ---- The Span type: a CPython type of its own, not a pybind11 class ----
// A span is created, entered and exited once per traced operation, so every step of that path
// is a plain CPython call: pybind11 would add its dispatcher to each call and a registry insert
// and erase to each instance. The object embeds the PySpan; frames.cc finds it through
// RegisterNativeFrameType.
namespace {

struct SpanObject {
  PyObject_HEAD
  PyObject* weakrefs;  // weak references are supported, as on every pybind11 instance
  alignas(PySpan) unsigned char storage[sizeof(PySpan)];
};

PyTypeObject* span_type = nullptr;  // created by RegisterTracing, kept for the process

PySpan& SpanOf(PyObject* self) {
  return *std::launder(reinterpret_cast<PySpan*>(reinterpret_cast<SpanObject*>(self)->storage));
}

ContextFrame* FrameOf(PyObject* self) { return &SpanOf(self); }

// A new Span object holding a default PySpan (non-recording, no context).
pyb::object NewSpanObject() {
  SpanObject* o = PyObject_New(SpanObject, span_type);
  if (o == nullptr) throw pyb::error_already_set();
  o->weakrefs = nullptr;
  new (o->storage) PySpan();
  return pyb::reinterpret_steal<pyb::object>(reinterpret_cast<PyObject*>(o));
}

void SpanDealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  if (reinterpret_cast<SpanObject*>(self)->weakrefs != nullptr) PyObject_ClearWeakRefs(self);
  SpanOf(self).~PySpan();
  PyObject_Free(self);
  Py_DECREF(type);  // instances of a heap type hold a reference to it
}

PyObject* SpanNew(PyTypeObject*, PyObject*, PyObject*) {
  PyErr_SetString(PyExc_TypeError, "Span cannot be instantiated directly; use start_span()");
  return nullptr;
}

// pybind11's bool conversion: True, False, None, or an object with __bool__.
bool BoolArg(PyObject* value, const char* what) {
  if (value == Py_True) return true;
  if (value == Py_False || value == Py_None) return false;
  if (Py_TYPE(value)->tp_as_number != nullptr && Py_TYPE(value)->tp_as_number->nb_bool != nullptr) {
    int truth = PyObject_IsTrue(value);
    if (truth < 0) throw pyb::error_already_set();
    return truth != 0;
  }
  throw pyb::type_error(std::string(what) + " must be a bool, got " + Py_TYPE(value)->tp_name);
}

pyb::handle Arg(PyObject* value) { return value != nullptr ? value : Py_None; }

PyObject* SpanRepr(PyObject* self) {
  return Guarded([&]() -> PyObject* {
    const PySpan& span = SpanOf(self);
    std::string text = "Span(non-recording)";
    if (span.context) {
      text = "Span(trace_id='" + span.context->trace_id.ToHex() + "', span_id='" +
             span.context->span_id.ToHex() + "', recording=" +
             (span.live && span.live->recording() ? "True" : "False") + ")";
    }
    return PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size()));
  });
}

PyObject* SpanEnter(PyObject* self, PyObject*) {
  return Guarded([&]() -> PyObject* {
    SpanOf(self).token = Activate(self);
    Py_INCREF(self);
    return self;
  });
}

PyObject* SpanExit(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const names[] = {"exc_type", "exc", "tb"};
  static Signature sig{"__exit__", names, 3, 3, 3};
  PyObject* a[3];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    PySpan& span = SpanOf(self);
    // Restoring the context and ending the span must happen whatever recording the
    // exception does (its __str__ may raise): a span left current would adopt every
    // later span of this context.
    pyb::object token = std::move(span.token);
    span.token = pyb::none();
    pyb::handle exc = a[1];
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
    Py_RETURN_FALSE;
  });
}

PyObject* SpanSetAttribute(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const names[] = {"key", "value"};
  static Signature sig{"set_attribute", names, 2, 2, 2};
  PyObject* a[2];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    PySpan& span = SpanOf(self);
    std::string k = AttributeKey(a[0]);
    auto v = ToAttributeValue(a[1]);
    if (v && span.live) span.live->SetAttribute(k, std::move(*v));
    Py_RETURN_NONE;
  });
}

PyObject* SpanSetAttributes(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const names[] = {"attributes"};
  static Signature sig{"set_attributes", names, 1, 1, 1};
  PyObject* a[1];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    PySpan& span = SpanOf(self);
    Attributes attrs;
    AppendAttributes(a[0], "attributes", attrs);
    if (span.live) {
      for (auto& [k, v] : attrs) span.live->SetAttribute(k, std::move(v));
    }
    Py_RETURN_NONE;
  });
}

PyObject* SpanAddEvent(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const names[] = {"name", "attributes", "timestamp_ns"};
  static Signature sig{"add_event", names, 3, 3, 1};
  PyObject* a[3];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    PySpan& span = SpanOf(self);
    std::string n = RequireStr(a[0], "name");
    Attributes attrs;
    AppendAttributes(Arg(a[1]), "attributes", attrs);
    uint64_t ts = OptionalTime(Arg(a[2]), "timestamp_ns");
    if (span.live) span.live->AddEvent(std::move(n), std::move(attrs), ts);
    Py_RETURN_NONE;
  });
}

PyObject* SpanAddLink(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const names[] = {"trace_id_hex", "span_id_hex", "attributes"};
  static Signature sig{"add_link", names, 3, 3, 2};
  PyObject* a[3];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    PySpan& span = SpanOf(self);
    SpanContext ctx = LinkContext(a[0], a[1]);
    Attributes attrs;
    AppendAttributes(Arg(a[2]), "attributes", attrs);
    if (span.live) span.live->AddLink(ctx, std::move(attrs));
    Py_RETURN_NONE;
  });
}

PyObject* SpanSetStatus(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const names[] = {"code", "description"};
  static Signature sig{"set_status", names, 2, 2, 1};
  PyObject* a[2];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    PySpan& span = SpanOf(self);
    SpanStatusCode c = ParseStatus(a[0]);
    auto d = OptionalStr(Arg(a[1]), "description");
    if (span.live) span.live->SetStatus(c, d ? *d : std::string());
    Py_RETURN_NONE;
  });
}

PyObject* SpanUpdateName(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const names[] = {"name"};
  static Signature sig{"update_name", names, 1, 1, 1};
  PyObject* a[1];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    PySpan& span = SpanOf(self);
    std::string n = RequireStr(a[0], "name");
    if (span.live) span.live->UpdateName(std::move(n));
    Py_RETURN_NONE;
  });
}

PyObject* SpanRecordException(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const names[] = {"exception", "attributes", "escaped"};
  static Signature sig{"record_exception", names, 3, 3, 1};
  PyObject* a[3];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    bool escaped = a[2] != nullptr && BoolArg(a[2], "escaped");
    SpanOf(self).RecordException(a[0], Arg(a[1]), escaped);
    Py_RETURN_NONE;
  });
}

PyObject* SpanEnd(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const names[] = {"end_time_ns"};
  static Signature sig{"end", names, 1, 1, 0};
  PyObject* a[1];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    SpanOf(self).End(OptionalTime(Arg(a[0]), "end_time_ns"));
    Py_RETURN_NONE;
  });
}

PyObject* HexOrNone(const std::optional<SpanContext>& context, bool trace) {
  if (!context) Py_RETURN_NONE;
  std::string hex = trace ? context->trace_id.ToHex() : context->span_id.ToHex();
  return PyUnicode_FromStringAndSize(hex.data(), static_cast<Py_ssize_t>(hex.size()));
}

PyObject* SpanTraceId(PyObject* self, PyObject*) { return HexOrNone(SpanOf(self).context, true); }
PyObject* SpanSpanId(PyObject* self, PyObject*) { return HexOrNone(SpanOf(self).context, false); }
PyObject* SpanIsRecording(PyObject* self, PyObject*) {
  const PySpan& span = SpanOf(self);
  return PyBool_FromLong(span.live && span.live->recording());
}

template <typename F>
PyCFunction Fn(F* f) {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

constexpr int kFast = METH_FASTCALL | METH_KEYWORDS;

PyMethodDef kSpanMethods[] = {
    {"set_attribute", Fn(&SpanSetAttribute), kFast, "set_attribute(self, key: str, value: object) -> None"},
    {"set_attributes", Fn(&SpanSetAttributes), kFast, "set_attributes(self, attributes: dict) -> None"},
    {"add_event", Fn(&SpanAddEvent), kFast,
     "add_event(self, name: str, attributes: dict | None = None, timestamp_ns: int | None = None) -> None"},
    {"add_link", Fn(&SpanAddLink), kFast,
     "add_link(self, trace_id_hex: str, span_id_hex: str, attributes: dict | None = None) -> None"},
    {"set_status", Fn(&SpanSetStatus), kFast, "set_status(self, code: str, description: str | None = None) -> None"},
    {"update_name", Fn(&SpanUpdateName), kFast, "update_name(self, name: str) -> None"},
    {"record_exception", Fn(&SpanRecordException), kFast,
     "record_exception(self, exception: BaseException, attributes: dict | None = None, escaped: bool = False) -> None"},
    {"end", Fn(&SpanEnd), kFast, "end(self, end_time_ns: int | None = None) -> None"},
    {"trace_id", Fn(&SpanTraceId), METH_NOARGS, "trace_id(self) -> str | None"},
    {"span_id", Fn(&SpanSpanId), METH_NOARGS, "span_id(self) -> str | None"},
    {"is_recording", Fn(&SpanIsRecording), METH_NOARGS, "is_recording(self) -> bool"},
    {nullptr, nullptr, 0, nullptr},
};

// ---- __enter__ and __exit__ ----
// A `with` statement looks both up on the span each time, and CPython binds a method
// descriptor by allocating a GC-tracked bound method: two per span, more than the rest of the
// with block costs. These descriptors bind to a small untracked object from a free list.
struct WithMethod {  // the descriptor in the type's dict (also callable unbound: Span.__exit__(span, ...))
  PyObject_HEAD
  int exit;  // 0: __enter__, 1: __exit__
};

struct BoundWithMethod {  // what span.__enter__ / span.__exit__ evaluate to
  PyObject_HEAD
  vectorcallfunc vectorcall;
  PyObject* span;  // strong reference
  int exit;
};

const char* const kWithNames[] = {"__enter__", "__exit__"};
const char* const kWithDocs[] = {
    "__enter__(self) -> Span\n\nMakes the span current.",
    "__exit__(self, exc_type: object, exc: object, tb: object) -> bool\n\n"
    "Records an escaping exception (status ERROR), restores the previous context and ends the span."};

PyTypeObject* with_method_type = nullptr;
PyTypeObject* bound_with_method_type = nullptr;

// Guarded by the GIL. Entries keep their type reference dropped; PyObject_Init takes it again.
constexpr int kBoundFreeListSize = 16;
BoundWithMethod* bound_free_list[kBoundFreeListSize];
int bound_free_count = 0;

PyObject* CallWith(PyObject* span, int exit, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (exit) return SpanExit(span, args, nargs, kwnames);
  if (nargs != 0 || (kwnames != nullptr && PyTuple_GET_SIZE(kwnames) != 0)) {
    PyErr_SetString(PyExc_TypeError, "__enter__() takes no arguments");
    return nullptr;
  }
  return SpanEnter(span, nullptr);
}

PyObject* BoundWithCall(PyObject* callable, PyObject* const* args, size_t nargsf, PyObject* kwnames) {
  auto* b = reinterpret_cast<BoundWithMethod*>(callable);
  return CallWith(b->span, b->exit, args, PyVectorcall_NARGS(nargsf), kwnames);
}

void BoundWithDealloc(PyObject* self) {
  auto* b = reinterpret_cast<BoundWithMethod*>(self);
  PyTypeObject* type = Py_TYPE(self);
  Py_CLEAR(b->span);
  if (bound_free_count < kBoundFreeListSize) {
    bound_free_list[bound_free_count++] = b;
  } else {
    PyObject_Free(self);
  }
  Py_DECREF(type);
}

PyObject* WithMethodGet(PyObject* descr, PyObject* obj, PyObject*) {
  if (obj == nullptr || obj == Py_None) {  // Span.__enter__: the descriptor itself
    Py_INCREF(descr);
    return descr;
  }
  int exit = reinterpret_cast<WithMethod*>(descr)->exit;
  if (Py_TYPE(obj) != span_type) {
    PyErr_Format(PyExc_TypeError, "descriptor '%s' for 'Span' objects doesn't apply to a '%s' object",
                 kWithNames[exit], Py_TYPE(obj)->tp_name);
    return nullptr;
  }
  BoundWithMethod* b;
  if (bound_free_count > 0) {
    b = bound_free_list[--bound_free_count];
    PyObject_Init(reinterpret_cast<PyObject*>(b), bound_with_method_type);
  } else {
    b = PyObject_New(BoundWithMethod, bound_with_method_type);
    if (b == nullptr) return nullptr;
  }
  b->vectorcall = &BoundWithCall;
  Py_INCREF(obj);
  b->span = obj;
  b->exit = exit;
  return reinterpret_cast<PyObject*>(b);
}

// Span.__exit__(span, exc_type, exc, tb): the unbound form, through the bound one.
PyObject* WithMethodCall(PyObject* descr, PyObject* args, PyObject* kwargs) {
  int exit = reinterpret_cast<WithMethod*>(descr)->exit;
  if (PyTuple_GET_SIZE(args) < 1) {
    PyErr_Format(PyExc_TypeError, "unbound method %s() needs an argument", kWithNames[exit]);
    return nullptr;
  }
  PyObject* bound = WithMethodGet(descr, PyTuple_GET_ITEM(args, 0), nullptr);
  if (bound == nullptr) return nullptr;
  PyObject* rest = PyTuple_GetSlice(args, 1, PyTuple_GET_SIZE(args));
  PyObject* result = rest != nullptr ? PyObject_Call(bound, rest, kwargs) : nullptr;
  Py_XDECREF(rest);
  Py_DECREF(bound);
  return result;
}

PyObject* WithMethodDoc(PyObject* descr, void*) {
  return PyUnicode_FromString(kWithDocs[reinterpret_cast<WithMethod*>(descr)->exit]);
}

PyObject* WithMethodName(PyObject* descr, void*) {
  return PyUnicode_FromString(kWithNames[reinterpret_cast<WithMethod*>(descr)->exit]);
}

PyGetSetDef kWithMethodGetSet[] = {
    {"__doc__", &WithMethodDoc, nullptr, nullptr, nullptr},
    {"__name__", &WithMethodName, nullptr, nullptr, nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyObject* NoNew(PyTypeObject* type, PyObject*, PyObject*) {
  PyErr_Format(PyExc_TypeError, "cannot create '%s' instances", type->tp_name);
  return nullptr;
}

PyType_Slot kWithMethodSlots[] = {
    {Py_tp_new, reinterpret_cast<void*>(&NoNew)},
    {Py_tp_descr_get, reinterpret_cast<void*>(&WithMethodGet)},
    {Py_tp_call, reinterpret_cast<void*>(&WithMethodCall)},
    {Py_tp_getset, kWithMethodGetSet},
    {0, nullptr},
};
PyType_Spec kWithMethodSpec = {"pytracingx._native._SpanWithMethod", sizeof(WithMethod), 0, Py_TPFLAGS_DEFAULT,
                               kWithMethodSlots};

PyMemberDef kBoundWithMembers[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(BoundWithMethod, vectorcall), READONLY, nullptr},
    {"__self__", T_OBJECT, offsetof(BoundWithMethod, span), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};
PyType_Slot kBoundWithSlots[] = {
    {Py_tp_new, reinterpret_cast<void*>(&NoNew)},
    {Py_tp_dealloc, reinterpret_cast<void*>(&BoundWithDealloc)},
    {Py_tp_call, reinterpret_cast<void*>(&PyVectorcall_Call)},
    {Py_tp_members, kBoundWithMembers},
    {0, nullptr},
};
PyType_Spec kBoundWithSpec = {"pytracingx._native._BoundSpanWithMethod", sizeof(BoundWithMethod), 0,
                              Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL, kBoundWithSlots};

// Creates both types and puts __enter__ / __exit__ descriptors into the Span type.
void AddWithMethods(PyTypeObject* span) {
  with_method_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&kWithMethodSpec));
  if (with_method_type == nullptr) throw pyb::error_already_set();
  bound_with_method_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&kBoundWithSpec));
  if (bound_with_method_type == nullptr) throw pyb::error_already_set();
  for (int exit = 0; exit < 2; ++exit) {
    WithMethod* m = PyObject_New(WithMethod, with_method_type);
    if (m == nullptr) throw pyb::error_already_set();
    m->exit = exit;
    int rc = PyObject_SetAttrString(reinterpret_cast<PyObject*>(span), kWithNames[exit], reinterpret_cast<PyObject*>(m));
    Py_DECREF(m);
    if (rc < 0) throw pyb::error_already_set();
  }
}

PyMemberDef kSpanMembers[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(SpanObject, weakrefs), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};

PyType_Slot kSpanSlots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(&SpanDealloc)},
    {Py_tp_new, reinterpret_cast<void*>(&SpanNew)},
    {Py_tp_repr, reinterpret_cast<void*>(&SpanRepr)},
    {Py_tp_methods, kSpanMethods},
    {Py_tp_members, kSpanMembers},
    {Py_tp_doc, const_cast<char*>("A span; use it as a context manager to make it current.")},
    {0, nullptr},
};

PyType_Spec kSpanSpec = {"pytracingx._native.Span", sizeof(SpanObject), 0, Py_TPFLAGS_DEFAULT, kSpanSlots};

pyb::object StartSpan(pyb::handle name, pyb::handle attributes, PyObject* kind, pyb::handle links,
                      pyb::handle start_time_ns) {
  std::string span_name = RequireStr(name, "name");
  SpanKind span_kind = kind == nullptr ? SpanKind::kInternal : ParseKind(kind);
  pyb::object obj = NewSpanObject();
  PySpan& span = SpanOf(obj.ptr());
  ContextFrame* parent = CurrentFrame();
  if (parent) span.baggage = parent->baggage;
  Tracer* tracer = Runtime::Get().tracer();
  if (tracer == nullptr) {
    // Not running (before init, disabled, after shutdown): a non-recording span that carries
    // its parent's context, so that propagation passes through untouched. Arguments are still
    // validated, so that bad input fails the same way in every state.
    Attributes ignored;
    AppendAttributes(attributes, "attributes", ignored);
    if (parent) span.context = parent->context;
    return obj;
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
  span.live.emplace(tracer->StartSpan(std::move(options)));
  span.context = span.live->context();
  return obj;
}

PyObject* StartSpanFast(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const names[] = {"name", "attributes", "kind", "links", "start_time_ns"};
  static Signature sig{"start_span", names, 5, 5, 1};
  PyObject* a[5];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    return StartSpan(a[0], Arg(a[1]), a[2], Arg(a[3]), Arg(a[4])).release().ptr();
  });
}

PyMethodDef kStartSpan = {
    "start_span", Fn(&StartSpanFast), kFast,
    "start_span(name: str, attributes: dict | None = None, kind: str = 'internal', links: list | None = None, "
    "start_time_ns: int | None = None) -> Span\n\n"
    "Starts a span whose parent is the current span of the calling context."};

}  // namespace

void RegisterTracing(pyb::module_& m) {
  using namespace pybind11::literals;

  span_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&kSpanSpec));
  if (span_type == nullptr) throw pyb::error_already_set();
  AddWithMethods(span_type);
  RegisterNativeFrameType(span_type, &FrameOf);
  m.add_object("Span", pyb::handle(reinterpret_cast<PyObject*>(span_type)));  // the module owns one reference, we keep ours

  PyObject* start_span = PyCFunction_NewEx(&kStartSpan, nullptr, m.attr("__name__").ptr());
  if (start_span == nullptr) throw pyb::error_already_set();
  m.add_object("start_span", pyb::reinterpret_steal<pyb::object>(start_span));

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
        if (AsFrame(frame.ptr()) == nullptr) throw pyb::type_error("_activate needs a Span");
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
