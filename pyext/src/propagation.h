#pragma once

#include <pybind11/pybind11.h>

namespace ptx::py {

void RegisterPropagation(pybind11::module_& m);

}  // namespace ptx::py
