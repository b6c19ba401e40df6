#include "metrics.h"

#include <pybind11/stl.h>

#include <atomic>
#include <map>
#include <memory>
#include <vector>

#include "convert.h"
#include "fastcall.h"
#include "ptx/sdk/metrics/meter_provider.h"

namespace ptx::py {
namespace pyb = pybind11;
namespace {

enum class Kind { kCounter, kUpDownCounter, kHistogram, kGauge, kObsCounter, kObsUpDownCounter, kObsGauge };

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kCounter: return "counter";
    case Kind::kUpDownCounter: return "up_down_counter";
    case Kind::kHistogram: return "histogram";
    case Kind::kGauge: return "gauge";
    case Kind::kObsCounter: return "observable_counter";
    case Kind::kObsUpDownCounter: return "observable_up_down_counter";
    case Kind::kObsGauge: return "observable_gauge";
  }
  return "instrument";
}

bool IsFinalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing();
#else
  return _Py_IsFinalizing();
#endif
}

// A Python callable that native collector threads may call: they take the GIL for the call
// only. Released with the GIL too (or leaked once the interpreter is gone).
std::shared_ptr<pyb::object> ShareCallable(pyb::object callable) {
  return std::shared_ptr<pyb::object>(new pyb::object(std::move(callable)), [](pyb::object* o) {
    if (Py_IsInitialized() && !IsFinalizing()) {
      pyb::gil_scoped_acquire gil;
      delete o;
    } else {
      o->release();
      delete o;
    }
  });
}

// One instrument: what the Python object was created with, and its native handle once bound.
// Created and bound under the GIL; `bound` publishes the handle to recording threads.
struct Instrument {
  Kind kind;
  std::string meter_name, meter_version, name;
  InstrumentOptions options;
  std::vector<std::shared_ptr<pyb::object>> callbacks;  // observable kinds only

  Counter counter;
  UpDownCounter up_down_counter;
  Histogram histogram;
  Gauge gauge;
  ObservableInstrument observable;
  std::atomic<bool> bound{false};
};

// Every instrument ever created, in creation order (GIL-guarded). Never shrinks: instruments
// live as long as the meters that cache them, i.e. the process.
std::vector<std::shared_ptr<Instrument>>& AllInstruments() {
  static auto* all = new std::vector<std::shared_ptr<Instrument>>();
  return *all;
}

ObservableCallback WrapCallback(std::shared_ptr<pyb::object> callable, std::string instrument) {
  return [callable = std::move(callable), instrument = std::move(instrument)](
             std::vector<Observation>* out) -> Status {
    if (IsFinalizing()) return Status(StatusCode::kCancelled, "the interpreter is exiting");
    pyb::gil_scoped_acquire gil;
    try {
      pyb::object result = (*callable)();
      if (result.is_none()) return Status::Ok();
      for (auto item : pyb::iter(result)) {
        if (!PyTuple_Check(item.ptr()) || PyTuple_GET_SIZE(item.ptr()) != 2) {
          return InvalidArgumentError("callback of '" + instrument +
                                      "' must yield (value, attributes) pairs");
        }
        pyb::handle value = PyTuple_GET_ITEM(item.ptr(), 0);
        Observation obs;
        if (PyLong_Check(value.ptr()) && !PyBool_Check(value.ptr())) {
          obs.value = static_cast<int64_t>(pyb::cast<long long>(value));
        } else if (PyFloat_Check(value.ptr())) {
          obs.value = PyFloat_AS_DOUBLE(value.ptr());
        } else {
          return InvalidArgumentError("callback of '" + instrument + "' returned a non-numeric value");
        }
        AppendAttributes(PyTuple_GET_ITEM(item.ptr(), 1), "attributes", obs.attributes);
        out->push_back(std::move(obs));
      }
      return Status::Ok();
    } catch (pyb::error_already_set& e) {
      return Status(StatusCode::kInternal, "callback of '" + instrument + "' raised " + e.what());
    } catch (const std::exception& e) {
      return Status(StatusCode::kInternal, "callback of '" + instrument + "' failed: " + e.what());
    }
  };
}

void Bind(Instrument& i, MeterProvider& provider) {
  Meter meter = provider.GetMeter(i.meter_name, i.meter_version);
  Status status;
  auto take = [&status](auto result, auto& slot) {
    if (result.ok()) {
      slot = std::move(result).value();
    } else {
      status = result.status();
    }
  };
  std::vector<ObservableCallback> callbacks;
  for (const auto& cb : i.callbacks) callbacks.push_back(WrapCallback(cb, i.name));
  switch (i.kind) {
    case Kind::kCounter: take(meter.CreateCounter(i.name, i.options), i.counter); break;
    case Kind::kUpDownCounter: take(meter.CreateUpDownCounter(i.name, i.options), i.up_down_counter); break;
    case Kind::kHistogram: take(meter.CreateHistogram(i.name, i.options), i.histogram); break;
    case Kind::kGauge: take(meter.CreateGauge(i.name, i.options), i.gauge); break;
    case Kind::kObsCounter:
      take(meter.CreateObservableCounter(i.name, std::move(callbacks), i.options), i.observable);
      break;
    case Kind::kObsUpDownCounter:
      take(meter.CreateObservableUpDownCounter(i.name, std::move(callbacks), i.options), i.observable);
      break;
    case Kind::kObsGauge:
      take(meter.CreateObservableGauge(i.name, std::move(callbacks), i.options), i.observable);
      break;
  }
  if (status.ok()) i.bound.store(true, std::memory_order_release);
}

MeterProvider*& CurrentProvider() {
  static MeterProvider* provider = nullptr;  // GIL-guarded
  return provider;
}

// A measurement's value: int stays int, float stays double; anything else is a TypeError.
MetricValue ToValue(pyb::handle value, const char* what) {
  PyObject* o = value.ptr();
  if (PyLong_Check(o) && !PyBool_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow != 0) throw pyb::value_error(std::string(what) + " value is out of the 64-bit range");
    return static_cast<int64_t>(v);
  }
  if (PyFloat_Check(o)) return PyFloat_AS_DOUBLE(o);
  throw pyb::type_error(std::string(what) + " value must be an int or a float, got " + Py_TYPE(o)->tp_name);
}

bool IsNegative(const MetricValue& v) {
  return std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v) < 0 : std::get<double>(v) < 0;
}

// A per-thread attribute vector reused by every measurement of the thread: converting a dict
// of the same shape as last time allocates nothing. A conversion that runs Python code (str()
// of an odd value) may record a measurement itself; that nested call gets its own vector.
class ScratchAttributes {
 public:
  ScratchAttributes() : slot_(Slot()), nested_call_(slot_.busy) {
    if (!nested_call_) slot_.busy = true;
  }
  ~ScratchAttributes() {
    if (!nested_call_) slot_.busy = false;
  }
  ScratchAttributes(const ScratchAttributes&) = delete;
  ScratchAttributes& operator=(const ScratchAttributes&) = delete;
  Attributes& get() { return nested_call_ ? nested_ : slot_.attrs; }

 private:
  struct PerThread {
    Attributes attrs;
    bool busy = false;
  };
  static PerThread& Slot() {
    static thread_local PerThread slot;
    return slot;
  }
  PerThread& slot_;
  bool nested_call_;  // the thread's vector was in use: `nested_` serves this call
  Attributes nested_;
};

template <typename Handle, typename Fn>
void Record(const Instrument& i, const Handle& handle, const MetricValue& value, pyb::handle attributes,
            Fn fn) {
  ScratchAttributes scratch;
  Attributes& attrs = scratch.get();
  AssignAttributes(attributes, "attributes", attrs);
  if (!i.bound.load(std::memory_order_acquire)) return;  // before init: dropped silently
  std::visit([&](auto v) { (void)fn(handle, v, attrs); }, value);
}

struct PyCounter { std::shared_ptr<Instrument> i; };
struct PyUpDownCounter { std::shared_ptr<Instrument> i; };
struct PyHistogram { std::shared_ptr<Instrument> i; };
struct PyGauge { std::shared_ptr<Instrument> i; };
struct PyObservable { std::shared_ptr<Instrument> i; };

// add()/record() of the synchronous instruments, as CPython methods: pybind11's dispatcher
// would cost more than the measurement. Same arguments, errors and order of checks as before.
const char* const kMeasureNames[] = {"value", "attributes"};

template <Kind K>
PyObject* Measure(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  static Signature sig{K == Kind::kCounter || K == Kind::kUpDownCounter ? "add" : "record", kMeasureNames, 2, 2, 1};
  PyObject* a[2];
  if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
  return Guarded([&]() -> PyObject* {
    pyb::handle value = a[0];
    pyb::handle attributes = a[1] != nullptr ? a[1] : Py_None;
    if constexpr (K == Kind::kCounter) {
      const Instrument& i = *PybindValue<PyCounter>(self).i;
      MetricValue v = ToValue(value, "counter");
      if (IsNegative(v)) throw pyb::value_error("counter values must not be negative");
      Record(i, i.counter, v, attributes, [](const Counter& h, auto x, const Attributes& at) { return h.Add(x, at); });
    } else if constexpr (K == Kind::kUpDownCounter) {
      const Instrument& i = *PybindValue<PyUpDownCounter>(self).i;
      Record(i, i.up_down_counter, ToValue(value, "up_down_counter"), attributes,
             [](const UpDownCounter& h, auto x, const Attributes& at) { return h.Add(x, at); });
    } else if constexpr (K == Kind::kHistogram) {
      const Instrument& i = *PybindValue<PyHistogram>(self).i;
      Record(i, i.histogram, ToValue(value, "histogram"), attributes,
             [](const Histogram& h, auto x, const Attributes& at) { return h.Record(x, at); });
    } else {
      const Instrument& i = *PybindValue<PyGauge>(self).i;
      Record(i, i.gauge, ToValue(value, "gauge"), attributes,
             [](const Gauge& h, auto x, const Attributes& at) { return h.Record(x, at); });
    }
    Py_RETURN_NONE;
  });
}

template <Kind K>
PyCFunction MeasureFn() {
  return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&Measure<K>));
}

PyMethodDef kCounterAdd{"add", MeasureFn<Kind::kCounter>(), METH_FASTCALL | METH_KEYWORDS,
                        "add(self, value: int | float, attributes: dict | None = None) -> None\n\n"
                        "Adds a non-negative value to the series of these attributes."};
PyMethodDef kUpDownCounterAdd{"add", MeasureFn<Kind::kUpDownCounter>(), METH_FASTCALL | METH_KEYWORDS,
                              "add(self, value: int | float, attributes: dict | None = None) -> None\n\n"
                              "Adds value (may be negative) to the series of these attributes."};
PyMethodDef kHistogramRecord{"record", MeasureFn<Kind::kHistogram>(), METH_FASTCALL | METH_KEYWORDS,
                             "record(self, value: int | float, attributes: dict | None = None) -> None\n\n"
                             "Records one value into the series of these attributes."};
PyMethodDef kGaugeRecord{"record", MeasureFn<Kind::kGauge>(), METH_FASTCALL | METH_KEYWORDS,
                         "record(self, value: int | float, attributes: dict | None = None) -> None\n\n"
                         "Sets the last value of the series of these attributes."};

class PyMeter {
 public:
  PyMeter(std::string name, std::string version) : name_(std::move(name)), version_(std::move(version)) {}

  pyb::object Create(Kind kind, pyb::handle name, pyb::handle unit, pyb::handle description,
                     pyb::handle boundaries, pyb::handle callbacks) {
    auto n = OptionalStr(name, "name");
    if (!n || n->empty()) throw pyb::value_error("instrument name must not be empty");
    std::string key = Lower(*n);
    auto it = instruments_.find(key);
    if (it != instruments_.end()) {
      if (it->second.first != kind) {
        throw pyb::value_error("instrument '" + *n + "' already exists as a " + KindName(it->second.first));
      }
      return it->second.second;
    }
    auto i = std::make_shared<Instrument>();
    i->kind = kind;
    i->meter_name = name_;
    i->meter_version = version_;
    i->name = *n;
    if (auto u = OptionalStr(unit, "unit")) i->options.unit = *u;
    if (auto d = OptionalStr(description, "description")) i->options.description = *d;
    if (!boundaries.is_none()) {
      std::vector<double> b;
      for (auto v : pyb::iter(boundaries)) {
        auto d = OptionalFloat(v, "boundaries");
        if (!d) throw pyb::type_error("boundaries must be numbers");
        if (!b.empty() && !(*d > b.back())) throw pyb::value_error("boundaries must be strictly increasing");
        b.push_back(*d);
      }
      i->options.boundaries = std::move(b);
    }
    if (!callbacks.is_none()) {
      if (PyCallable_Check(callbacks.ptr())) {
        i->callbacks.push_back(ShareCallable(pyb::reinterpret_borrow<pyb::object>(callbacks)));
      } else {
        for (auto cb : pyb::iter(callbacks)) {
          if (!PyCallable_Check(cb.ptr())) throw pyb::type_error("callbacks must be callables");
          i->callbacks.push_back(ShareCallable(pyb::reinterpret_borrow<pyb::object>(cb)));
        }
      }
    }
    if (MeterProvider* provider = CurrentProvider()) Bind(*i, *provider);
    AllInstruments().push_back(i);
    pyb::object obj;
    switch (kind) {
      case Kind::kCounter: obj = pyb::cast(PyCounter{i}); break;
      case Kind::kUpDownCounter: obj = pyb::cast(PyUpDownCounter{i}); break;
      case Kind::kHistogram: obj = pyb::cast(PyHistogram{i}); break;
      case Kind::kGauge: obj = pyb::cast(PyGauge{i}); break;
      default: obj = pyb::cast(PyObservable{i}); break;
    }
    instruments_.emplace(key, std::make_pair(kind, obj));
    return obj;
  }

  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }

 private:
  std::string name_, version_;
  std::map<std::string, std::pair<Kind, pyb::object>> instruments_;  // by lowercase name
};

}  // namespace

void BindInstruments(MeterProvider* provider) {
  CurrentProvider() = provider;
  if (!provider) return;
  for (auto& i : AllInstruments()) Bind(*i, *provider);
}

void RegisterMetrics(pyb::module_& m) {
  using namespace pybind11::literals;
  auto kw = [](const char* n) { return pyb::arg(n) = pyb::none(); };

  pyb::class_<PyMeter, std::shared_ptr<PyMeter>>(m, "Meter", "Creates instruments; get one with get_meter.")
      .def_property_readonly("name", &PyMeter::name)
      .def_property_readonly("version", [](const PyMeter& m) -> pyb::object {
        return m.version().empty() ? pyb::none() : pyb::object(pyb::str(m.version()));
      })
      .def("counter", [](PyMeter& self, pyb::handle name, pyb::handle unit, pyb::handle description) {
             return self.Create(Kind::kCounter, name, unit, description, pyb::none(), pyb::none());
           }, "name"_a, pyb::kw_only(), kw("unit"), kw("description"))
      .def("up_down_counter", [](PyMeter& self, pyb::handle name, pyb::handle unit, pyb::handle description) {
             return self.Create(Kind::kUpDownCounter, name, unit, description, pyb::none(), pyb::none());
           }, "name"_a, pyb::kw_only(), kw("unit"), kw("description"))
      .def("histogram", [](PyMeter& self, pyb::handle name, pyb::handle unit, pyb::handle description,
                           pyb::handle boundaries) {
             return self.Create(Kind::kHistogram, name, unit, description, boundaries, pyb::none());
           }, "name"_a, pyb::kw_only(), kw("unit"), kw("description"), kw("boundaries"))
      .def("gauge", [](PyMeter& self, pyb::handle name, pyb::handle unit, pyb::handle description) {
             return self.Create(Kind::kGauge, name, unit, description, pyb::none(), pyb::none());
           }, "name"_a, pyb::kw_only(), kw("unit"), kw("description"))
      .def("observable_counter", [](PyMeter& self, pyb::handle name, pyb::handle callbacks, pyb::handle unit,
                                    pyb::handle description) {
             return self.Create(Kind::kObsCounter, name, unit, description, pyb::none(), callbacks);
           }, "name"_a, "callbacks"_a, pyb::kw_only(), kw("unit"), kw("description"))
      .def("observable_up_down_counter", [](PyMeter& self, pyb::handle name, pyb::handle callbacks,
                                            pyb::handle unit, pyb::handle description) {
             return self.Create(Kind::kObsUpDownCounter, name, unit, description, pyb::none(), callbacks);
           }, "name"_a, "callbacks"_a, pyb::kw_only(), kw("unit"), kw("description"))
      .def("observable_gauge", [](PyMeter& self, pyb::handle name, pyb::handle callbacks, pyb::handle unit,
                                  pyb::handle description) {
             return self.Create(Kind::kObsGauge, name, unit, description, pyb::none(), callbacks);
           }, "name"_a, "callbacks"_a, pyb::kw_only(), kw("unit"), kw("description"))
      .def("__repr__", [](const PyMeter& m) { return "Meter(name='" + m.name() + "')"; });

  auto counter = pyb::class_<PyCounter>(m, "Counter", "A monotonic sum; add() rejects negative values.")
      .def_property_readonly("name", [](const PyCounter& c) { return c.i->name; });
  SetFastMethod(counter, &kCounterAdd);
  auto up_down_counter = pyb::class_<PyUpDownCounter>(m, "UpDownCounter", "A sum that may go up and down.")
      .def_property_readonly("name", [](const PyUpDownCounter& c) { return c.i->name; });
  SetFastMethod(up_down_counter, &kUpDownCounterAdd);
  auto histogram = pyb::class_<PyHistogram>(m, "Histogram", "Explicit-bucket histogram with count, sum, min and max.")
      .def_property_readonly("name", [](const PyHistogram& c) { return c.i->name; });
  SetFastMethod(histogram, &kHistogramRecord);
  auto gauge = pyb::class_<PyGauge>(m, "Gauge", "The last value recorded per attribute set.")
      .def_property_readonly("name", [](const PyGauge& c) { return c.i->name; });
  SetFastMethod(gauge, &kGaugeRecord);
  pyb::class_<PyObservable>(m, "ObservableInstrument", "Values come from its callbacks at collection time.")
      .def_property_readonly("name", [](const PyObservable& c) { return c.i->name; });

  m.def(
      "get_meter",
      [](pyb::handle name, pyb::handle version) {
        static auto* meters = new std::map<std::pair<std::string, std::string>, std::shared_ptr<PyMeter>>();
        auto n = OptionalStr(name, "name");
        if (!n || n->empty()) throw pyb::value_error("meter name must not be empty");
        std::string v = OptionalStr(version, "version").value_or("");
        auto& slot = (*meters)[{*n, v}];
        if (!slot) slot = std::make_shared<PyMeter>(*n, v);
        return slot;
      },
      "name"_a, "version"_a = pyb::none(), "The meter of an instrumentation scope (one per name and version).");
}

}  // namespace ptx::py
