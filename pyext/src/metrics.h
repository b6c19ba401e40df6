// The metrics part of the Python API: get_meter, the instruments and observable callbacks.
// Instruments may be created before init (module level, as usual); they are bound to the native
// meter provider when init runs, and drop measurements until then.
#pragma once

#include <pybind11/pybind11.h>

namespace ptx {
class MeterProvider;
}

namespace ptx::py {

// Binds every instrument created so far to `provider` (under the GIL, during init).
void BindInstruments(MeterProvider* provider);

void RegisterMetrics(pybind11::module_& m);

}  // namespace ptx::py
