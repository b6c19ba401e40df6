// The logs part of the Python API: get_logger, Logger methods and emit_log_record. Records carry
// the ids of the current span; before init they are dropped at almost no cost.
#pragma once

#include <pybind11/pybind11.h>

namespace ptx::py {

void RegisterLogs(pybind11::module_& m);

}  // namespace ptx::py
