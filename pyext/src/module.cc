// pytracingx._native: one registration call per area of the Python API.
#include <pybind11/pybind11.h>

#include "config.h"
#include "frames.h"
#include "logs.h"
#include "metrics.h"
#include "propagation.h"
#include "runtime.h"
#include "tracing.h"

#ifndef PTX_VERSION
#define PTX_VERSION "0.0.0"
#endif

PYBIND11_MODULE(_native, m) {
  m.doc() = "Native engine of pytracingx.";
  m.attr("__version__") = PTX_VERSION;
  ptx::py::RegisterConfig(m);
  ptx::py::RegisterFrames(m);
  ptx::py::RegisterTracing(m);
  ptx::py::RegisterPropagation(m);
  ptx::py::RegisterMetrics(m);
  ptx::py::RegisterLogs(m);
  ptx::py::RegisterLifecycle(m);
}
