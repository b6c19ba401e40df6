#include "logs.h"

#include <array>
#include <map>
#include <utility>
#include <memory>

#include "convert.h"
#include "fastcall.h"
#include "frames.h"
#include "ptx/base/clock.h"
#include "ptx/sdk/logs/log_emitter.h"
#include "ptx/sdk/scope_registry.h"
#include "runtime.h"

namespace ptx::py {
namespace pyb = pybind11;
namespace {

struct Level {
  uint8_t number;
  const char* text;
};
constexpr Level kTrace{kSeverityTrace, "TRACE"};
constexpr Level kDebug{kSeverityDebug, "DEBUG"};
constexpr Level kInfo{kSeverityInfo, "INFO"};
constexpr Level kWarn{kSeverityWarn, "WARN"};
constexpr Level kError{kSeverityError, "ERROR"};
constexpr Level kFatal{kSeverityFatal, "FATAL"};

std::string MessageText(pyb::handle message) {
  if (PyUnicode_Check(message.ptr())) {
    Py_ssize_t size = 0;
    if (const char* data = PyUnicode_AsUTF8AndSize(message.ptr(), &size)) {
      return std::string(data, static_cast<size_t>(size));
    }
    PyErr_Clear();  // lone surrogates: pybind11's conversion below reports them as before
    return message.cast<std::string>();
  }
  return pyb::str(message).cast<std::string>();
}

// exception.type / message / stacktrace of the exception being handled, if any.
void AppendActiveException(Attributes& attrs) {
  pyb::object info = pyb::module_::import("sys").attr("exc_info")();
  pyb::handle exc = pyb::reinterpret_borrow<pyb::tuple>(info)[1];
  if (exc.is_none()) return;
  SetAttribute(attrs, "exception.type",
               pyb::type::handle_of(exc).attr("__qualname__").cast<std::string>());
  PyObject* text = PyObject_Str(exc.ptr());
  if (text) {
    SetAttribute(attrs, "exception.message", pyb::reinterpret_steal<pyb::str>(text).cast<std::string>());
  } else {
    PyErr_Clear();
  }
  try {
    pyb::object lines = pyb::module_::import("traceback").attr("format_exception")(
        pyb::type::handle_of(exc), exc, exc.attr("__traceback__"));
    SetAttribute(attrs, "exception.stacktrace", pyb::str("").attr("join")(lines).cast<std::string>());
  } catch (const pyb::error_already_set&) {
  }
}

// Builds and emits one record; nothing is built when no pipeline or console would take it.
void Emit(const InstrumentationScope* scope, Level level, pyb::handle message, pyb::handle attributes,
          uint64_t time_unix_nano, bool with_exception) {
  LogEmitter* emitter = Runtime::Get().log_emitter();
  if (emitter == nullptr || !emitter->Enabled(level.number)) {
    // Still validate, so that bad input fails the same way in every state.
    Attributes ignored;
    AppendAttributes(attributes, "attributes", ignored);
    return;
  }
  auto record = std::make_unique<LogRecordData>();
  record->time_unix_nano = time_unix_nano ? time_unix_nano : NowUnixNanos();
  record->severity_number = level.number;
  record->severity_text = level.text;
  record->body = AttributeValue(MessageText(message));
  if (PyDict_Check(attributes.ptr())) record->attributes.reserve(static_cast<size_t>(PyDict_GET_SIZE(attributes.ptr())));
  AppendAttributes(attributes, "attributes", record->attributes);
  if (with_exception) AppendActiveException(record->attributes);
  if (ContextFrame* frame = CurrentFrame(); frame && frame->context) {
    record->trace_id = frame->context->trace_id;
    record->span_id = frame->context->span_id;
    record->trace_flags = frame->context->trace_flags;
  }
  record->scope = scope;
  emitter->Emit(std::move(record));
}

class PyLogger {
 public:
  explicit PyLogger(std::string name) : name_(std::move(name)), scope_(ScopeRegistry::Intern(name_, "")) {}
  const std::string& name() const { return name_; }
  void Log(Level level, pyb::handle message, pyb::handle attributes, bool with_exception = false) const {
    Emit(scope_, level, message, attributes, 0, with_exception);
  }

 private:
  std::string name_;
  const InstrumentationScope* scope_;
};

// trace() ... fatal() as CPython methods: pybind11's dispatcher would cost more than building
// the record. Same arguments (message, *, attributes=None) and errors as before.
const char* const kLogNames[] = {"message", "attributes"};

struct LogMethodSpec {
  const char* name;
  const Level* level;
  const char* doc;
};
constexpr LogMethodSpec kLogSpecs[] = {
    {"trace", &kTrace, "trace(self, message: object, *, attributes: dict | None = None) -> None\n\nEmits a TRACE record."},
    {"debug", &kDebug, "debug(self, message: object, *, attributes: dict | None = None) -> None\n\nEmits a DEBUG record."},
    {"info", &kInfo, "info(self, message: object, *, attributes: dict | None = None) -> None\n\nEmits an INFO record."},
    {"warn", &kWarn, "warn(self, message: object, *, attributes: dict | None = None) -> None\n\nEmits a WARN record."},
    {"warning", &kWarn, "warning(self, message: object, *, attributes: dict | None = None) -> None\n\nEmits a WARN record."},
    {"error", &kError, "error(self, message: object, *, attributes: dict | None = None) -> None\n\nEmits an ERROR record."},
    {"fatal", &kFatal, "fatal(self, message: object, *, attributes: dict | None = None) -> None\n\nEmits a FATAL record."},
};
constexpr size_t kLogMethodCount = sizeof(kLogSpecs) / sizeof(kLogSpecs[0]);

template <size_t I>
PyObject* LogAt(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static Signature sig{kLogSpecs[I].name, kLogNames, 2, 1, 1};
  PyObject* a[2];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    PybindValue<PyLogger>(self).Log(*kLogSpecs[I].level, a[0], a[1] != nullptr ? a[1] : Py_None);
    Py_RETURN_NONE;
  });
}

template <size_t... I>
std::array<PyMethodDef, kLogMethodCount> MakeLogMethods(std::index_sequence<I...>) {
  return {PyMethodDef{kLogSpecs[I].name, reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&LogAt<I>)),
                      METH_FASTCALL | METH_KEYWORDS, kLogSpecs[I].doc}...};
}

// Static: the method descriptors point into it for the life of the process.
std::array<PyMethodDef, kLogMethodCount> kLogMethods = MakeLogMethods(std::make_index_sequence<kLogMethodCount>());

// emit_log_record, what the stdlib logging bridge calls per record: a CPython function too.
PyObject* EmitLogRecord(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static const char* const names[] = {"name", "message", "severity_number", "severity_text", "attributes",
                                      "timestamp_ns"};
  static Signature sig{"emit_log_record", names, 6, 2, 4};
  PyObject* a[6];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    auto n = OptionalStr(a[0], "name");
    if (!n) throw pyb::type_error("name must be a str, got NoneType");
    auto number = OptionalInt(a[2], "severity_number");
    if (!number || *number < 1 || *number > 24) {
      throw pyb::value_error("severity_number must be between 1 and 24");
    }
    auto text = OptionalStr(a[3], "severity_text");
    if (!text) throw pyb::type_error("severity_text must be a str, got NoneType");
    auto ts = OptionalInt(a[5] != nullptr ? a[5] : Py_None, "timestamp_ns");
    // The text outlives the call: records copy it.
    static thread_local std::string text_storage;
    text_storage = *text;
    Emit(ScopeRegistry::Intern(*n, ""), Level{static_cast<uint8_t>(*number), text_storage.c_str()}, a[1],
         a[4] != nullptr ? a[4] : Py_None, ts ? static_cast<uint64_t>(*ts) : 0, false);
    Py_RETURN_NONE;
  });
}

PyMethodDef kEmitLogRecord = {
    "emit_log_record", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&EmitLogRecord)),
    METH_FASTCALL | METH_KEYWORDS,
    "emit_log_record(name: str, message: object, *, severity_number: int, severity_text: str, "
    "attributes: dict | None = None, timestamp_ns: int | None = None) -> None\n\n"
    "Emits one log record with an explicit severity (what logging bridges call)."};

}  // namespace

void RegisterLogs(pyb::module_& m) {
  using namespace pybind11::literals;
  auto logger = pyb::class_<PyLogger, std::shared_ptr<PyLogger>>(m, "Logger", "Emits log records; get one with get_logger.")
      .def_property_readonly("name", &PyLogger::name)
      .def(
          "exception",
          [](const PyLogger& self, pyb::handle message, pyb::handle attributes) {
            self.Log(kError, message, attributes, /*with_exception=*/true);
          },
          "message"_a, pyb::kw_only(), "attributes"_a = pyb::none(),
          "Logs at ERROR with the exception being handled as exception.* attributes.")
      .def("__repr__", [](const PyLogger& l) { return "Logger(name='" + l.name() + "')"; });
  for (PyMethodDef& def : kLogMethods) SetFastMethod(logger, &def);

  m.def(
      "get_logger",
      [](pyb::handle name) {
        static auto* loggers = new std::map<std::string, std::shared_ptr<PyLogger>>();
        auto n = OptionalStr(name, "name");
        if (!n) throw pyb::type_error("name must be a str, got NoneType");
        auto& slot = (*loggers)[*n];
        if (!slot) slot = std::make_shared<PyLogger>(*n);
        return slot;
      },
      "name"_a, "The logger of one instrumentation scope (its name is the record's scope).");

  PyObject* emit = PyCFunction_NewEx(&kEmitLogRecord, nullptr, m.attr("__name__").ptr());
  if (emit == nullptr) throw pyb::error_already_set();
  m.add_object("emit_log_record", pyb::reinterpret_steal<pyb::object>(emit));
}

}  // namespace ptx::py
