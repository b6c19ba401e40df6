// inject_headers / extract_headers / restore_context: W3C trace context, baggage and B3 on
// plain dict carriers, with the propagators chosen by OTEL_PROPAGATORS.
#include "propagation.h"

#include <unordered_map>

#include "convert.h"
#include "frames.h"
#include "runtime.h"

namespace ptx::py {
namespace pyb = pybind11;
namespace {

struct PyExtracted : ContextFrame {
  pyb::object token = pyb::none();

  void Restore() {
    pyb::object t = std::move(token);
    token = pyb::none();
    Deactivate(t);
  }
};

void Inject(pyb::handle carrier) {
  if (!PyDict_Check(carrier.ptr())) {
    throw pyb::type_error("carrier must be a dict, got " + std::string(Py_TYPE(carrier.ptr())->tp_name));
  }
  ContextFrame* frame = CurrentFrame();
  if (!frame) return;
  auto dict = pyb::reinterpret_borrow<pyb::dict>(carrier);
  const SpanContext* ctx = frame->context ? &*frame->context : nullptr;
  Runtime::Get().propagators().Inject(ctx, frame->baggage.get(),
                                      [&](std::string_view key, std::string_view value) {
                                        dict[pyb::str(key.data(), key.size())] =
                                            pyb::str(value.data(), value.size());
                                      });
}

pyb::object Extract(pyb::handle carrier) {
  if (!PyDict_Check(carrier.ptr()) && !PyMapping_Check(carrier.ptr())) {
    throw pyb::type_error("carrier must be a dict, got " + std::string(Py_TYPE(carrier.ptr())->tp_name));
  }
  // Header names are case-insensitive: index the carrier once by lowercase name.
  std::unordered_map<std::string, std::string> headers;
  for (auto item : pyb::reinterpret_borrow<pyb::object>(carrier).attr("items")()) {
    auto pair = pyb::reinterpret_borrow<pyb::tuple>(item);
    pyb::handle key = pair[0], value = pair[1];
    if (!PyUnicode_Check(key.ptr())) continue;
    std::string v;
    if (PyUnicode_Check(value.ptr())) {
      v = value.cast<std::string>();
    } else if (PyBytes_Check(value.ptr())) {
      v = std::string(PyBytes_AS_STRING(value.ptr()), PyBytes_GET_SIZE(value.ptr()));
    } else if ((PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) && pyb::len(value) > 0 &&
               PyUnicode_Check(pyb::reinterpret_borrow<pyb::sequence>(value)[0].ptr())) {
      // Multi-valued headers (as some frameworks give them): join like HTTP does.
      std::string joined;
      for (auto part : pyb::reinterpret_borrow<pyb::sequence>(value)) {
        if (!joined.empty()) joined += ",";
        joined += pyb::str(part).cast<std::string>();
      }
      v = joined;
    } else {
      continue;
    }
    headers.emplace(Lower(key.cast<std::string>()), std::move(v));
  }
  ExtractResult result = Runtime::Get().propagators().Extract(
      [&](std::string_view name) -> std::optional<std::string> {
        auto it = headers.find(std::string(name));
        if (it == headers.end()) return std::nullopt;
        return it->second;
      });
  auto frame = std::make_unique<PyExtracted>();
  frame->context = result.context;
  if (!result.baggage.entries.empty()) {
    frame->baggage = std::make_shared<const Baggage>(std::move(result.baggage));
  }
  pyb::object obj = pyb::cast(std::move(frame));
  obj.cast<PyExtracted&>().token = Activate(obj);
  return obj;
}

}  // namespace

void RegisterPropagation(pyb::module_& m) {
  using namespace pybind11::literals;

  pyb::class_<PyExtracted, ContextFrame>(
      m, "ExtractedContext",
      "The remote context taken from headers; current until restore() or the end of its with block.")
      .def("__enter__", [](pyb::object self) { return self; })
      .def("__exit__",
           [](PyExtracted& self, pyb::handle, pyb::handle, pyb::handle) {
             self.Restore();
             return false;
           },
           "exc_type"_a, "exc"_a, "tb"_a)
      .def("restore", &PyExtracted::Restore, "Makes the previous context current again.")
      .def_property_readonly("token", [](const PyExtracted& self) { return self.token; })
      .def_property_readonly("trace_id",
                             [](const PyExtracted& self) -> pyb::object {
                               if (!self.context) return pyb::none();
                               return pyb::str(self.context->trace_id.ToHex());
                             })
      .def_property_readonly("span_id",
                             [](const PyExtracted& self) -> pyb::object {
                               if (!self.context) return pyb::none();
                               return pyb::str(self.context->span_id.ToHex());
                             })
      .def_property_readonly("baggage",
                             [](const PyExtracted& self) {
                               pyb::dict out;
                               if (self.baggage) {
                                 for (const auto& e : self.baggage->entries) out[pyb::str(e.key)] = e.value;
                               }
                               return out;
                             })
      .def("__repr__", [](const PyExtracted& self) {
        if (!self.context) return std::string("ExtractedContext(none)");
        return "ExtractedContext(trace_id='" + self.context->trace_id.ToHex() + "', span_id='" +
               self.context->span_id.ToHex() + "')";
      });

  m.def("inject_headers", &Inject, "carrier"_a,
        "Writes traceparent (and tracestate, baggage or B3 headers) for the current context.");
  m.def("extract_headers", &Extract, "carrier"_a,
        "Makes the remote context in carrier current; restore it with `with` or .restore().");
  m.def("restore_context", [](pyb::handle token) { Deactivate(token); }, "token"_a,
        "Low-level: resets the current context with a token from ExtractedContext.token.");
}

}  // namespace ptx::py
