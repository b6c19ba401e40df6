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

// The record's trace context (of the current span, if any), scope, and hand-off.
void Finish(LogEmitter* emitter, const InstrumentationScope* scope, std::unique_ptr<LogRecordData> record) {
  if (ContextFrame* frame = CurrentFrame(); frame && frame->context) {
    record->trace_id = frame->context->trace_id;
    record->span_id = frame->context->span_id;
    record->trace_flags = frame->context->trace_flags;
  }
  record->scope = scope;
  emitter->Emit(std::move(record));
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
  Finish(emitter, scope, std::move(record));
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

// emit_std_record(record, standard_fields, standard_count): the stdlib logging bridge's emit
// for a logging.LogRecord, reading its fields here rather than building a dict in Python. The
// attributes, severity and time are the ones the bridge's Python path sets; it stays the path
// for records carrying an exception (returns False, nothing emitted, so that the caller formats
// the traceback), and True otherwise. standard_fields is the frozenset of LogRecord's own
// attribute names; a record whose __dict__ holds no more than standard_count entries has no
// `extra=` fields, so they are looked for only when it holds more.
struct StdRecordNames {
  PyObject* dict = PyUnicode_InternFromString("__dict__");
  PyObject* name = PyUnicode_InternFromString("name");
  PyObject* levelno = PyUnicode_InternFromString("levelno");
  PyObject* created = PyUnicode_InternFromString("created");
  PyObject* exc_info = PyUnicode_InternFromString("exc_info");
  PyObject* get_message = PyUnicode_InternFromString("getMessage");
  // (record field, attribute key) in the order the attributes are set.
  std::pair<PyObject*, const char*> fields[7] = {
      {PyUnicode_InternFromString("name"), "logger.name"},
      {PyUnicode_InternFromString("pathname"), "code.filepath"},
      {PyUnicode_InternFromString("funcName"), "code.function"},
      {PyUnicode_InternFromString("lineno"), "code.lineno"},
      {PyUnicode_InternFromString("thread"), "thread.id"},
      {PyUnicode_InternFromString("threadName"), "thread.name"},
      {PyUnicode_InternFromString("process"), "process.pid"},
  };
};

// A field of the record: from its __dict__ when there (as LogRecord sets them), else by getattr.
pyb::object RecordField(PyObject* record, PyObject* fields, PyObject* name) {
  if (PyObject* v = PyDict_GetItemWithError(fields, name)) return pyb::reinterpret_borrow<pyb::object>(v);
  if (PyErr_Occurred()) throw pyb::error_already_set();
  PyObject* v = PyObject_GetAttr(record, name);
  if (v == nullptr) throw pyb::error_already_set();
  return pyb::reinterpret_steal<pyb::object>(v);
}

// The severity of a logging level, as the bridge's _severity_for maps it.
Level StdSeverity(long levelno) {
  if (levelno >= 50) return kFatal;
  if (levelno >= 40) return kError;
  if (levelno >= 30) return kWarn;
  if (levelno >= 20) return kInfo;
  if (levelno >= 10) return kDebug;
  return kTrace;
}

PyObject* EmitStdRecord(PyObject*, PyObject* const* args, Py_ssize_t nargs) {
  if (nargs != 3 || !PyAnySet_Check(args[1]) || !PyLong_Check(args[2])) {
    PyErr_SetString(PyExc_TypeError, "emit_std_record(record, standard_fields: frozenset, standard_count: int)");
    return nullptr;
  }
  return Guarded([&]() -> PyObject* {
    static const StdRecordNames* names = new StdRecordNames();
    PyObject* record = args[0];
    pyb::object dict_obj = pyb::reinterpret_steal<pyb::object>(PyObject_GetAttr(record, names->dict));
    if (!dict_obj || !PyDict_Check(dict_obj.ptr())) {
      if (!dict_obj) throw pyb::error_already_set();
      throw pyb::type_error("record.__dict__ must be a dict");
    }
    PyObject* fields = dict_obj.ptr();
    pyb::object exc_info = RecordField(record, fields, names->exc_info);
    if (PyTuple_Check(exc_info.ptr()) && PyTuple_GET_SIZE(exc_info.ptr()) > 1 &&
        PyTuple_GET_ITEM(exc_info.ptr(), 1) != Py_None) {
      Py_RETURN_FALSE;  // the Python path formats the exception
    }
    const long levelno = PyLong_AsLong(RecordField(record, fields, names->levelno).ptr());
    if (levelno == -1 && PyErr_Occurred()) throw pyb::error_already_set();
    const Level level = StdSeverity(levelno);
    LogEmitter* emitter = Runtime::Get().log_emitter();
    if (emitter == nullptr || !emitter->Enabled(level.number)) Py_RETURN_TRUE;

    auto out = std::make_unique<LogRecordData>();
    PyObject* message = PyObject_CallMethodNoArgs(record, names->get_message);
    if (message == nullptr) throw pyb::error_already_set();
    out->body = AttributeValue(MessageText(pyb::reinterpret_steal<pyb::object>(message)));
    const double created = PyFloat_AsDouble(RecordField(record, fields, names->created).ptr());
    if (created == -1.0 && PyErr_Occurred()) throw pyb::error_already_set();
    out->time_unix_nano = created > 0 ? static_cast<uint64_t>(created * 1e9) : NowUnixNanos();
    out->severity_number = level.number;
    out->severity_text = level.text;

    Attributes& attrs = out->attributes;
    attrs.reserve(8);
    for (const auto& [field, key] : names->fields) {
      pyb::object value = RecordField(record, fields, field);
      if (auto v = ToAttributeValue(value)) attrs.emplace_back(key, std::move(*v));
    }
    if (PyDict_GET_SIZE(fields) > PyLong_AsSsize_t(args[2])) {
      // `extra=` fields of primitive type, in the order given; they win over the ones above.
      PyObject* key;
      PyObject* value;
      Py_ssize_t pos = 0;
      while (PyDict_Next(fields, &pos, &key, &value)) {
        if (!PyUnicode_Check(key)) continue;
        const int standard = PySet_Contains(args[1], key);
        if (standard < 0) throw pyb::error_already_set();
        if (standard || (PyUnicode_GET_LENGTH(key) > 0 && PyUnicode_READ_CHAR(key, 0) == '_')) continue;
        if (!PyUnicode_Check(value) && !PyLong_Check(value) && !PyFloat_Check(value)) continue;
        auto v = ToAttributeValue(value);
        if (v) SetAttribute(attrs, AttributeKey(key), std::move(*v));
      }
    }
    pyb::object name = RecordField(record, fields, names->name);
    auto scope_name = OptionalStr(name, "record.name");
    if (!scope_name) throw pyb::type_error("record.name must be a str, got NoneType");
    Finish(emitter, ScopeRegistry::Intern(*scope_name, ""), std::move(out));
    Py_RETURN_TRUE;
  });
}

PyMethodDef kEmitStdRecord = {
    "emit_std_record", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&EmitStdRecord)),
    METH_FASTCALL,
    "emit_std_record(record: logging.LogRecord, standard_fields: frozenset, standard_count: int) -> bool\n\n"
    "Emits a stdlib logging record (the bridge's fast path); False when it carries an exception."};

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
  PyObject* emit_std = PyCFunction_NewEx(&kEmitStdRecord, nullptr, m.attr("__name__").ptr());
  if (emit_std == nullptr) throw pyb::error_already_set();
  m.add_object("emit_std_record", pyb::reinterpret_steal<pyb::object>(emit_std));
}

}  // namespace ptx::py
