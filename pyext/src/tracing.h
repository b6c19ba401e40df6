// The Span type of the Python API and start_span.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>

#include "frames.h"
#include "ptx/sdk/tracer.h"

namespace ptx::py {

struct PySpan : ContextFrame {
  std::optional<LiveSpan> live;  // absent before init / after shutdown
  pybind11::object token = pybind11::none();  // ContextVar token while entered

  void RecordException(pybind11::handle exception, pybind11::handle attributes, bool escaped);
  void End(uint64_t end_time_unix_nano);
};

void RegisterTracing(pybind11::module_& m);

}  // namespace ptx::py
