// Argument parsing and error translation for the hot paths written against the CPython API
// (METH_FASTCALL | METH_KEYWORDS) instead of pybind11, whose dispatcher costs more than the
// work of a span start, a counter add or a log call. Everything here needs the GIL.
//
//   static const char* const kNames[] = {"value", "attributes"};
//   static Signature sig{"add", kNames, 2, /*positional=*/2, /*required=*/1};
//   PyObject* a[2]; if (!ParseArgs(sig, args, nargs, kwnames, a)) return nullptr;
#pragma once

#include <Python.h>
#include <pybind11/pybind11.h>

#include <exception>
#include <new>

namespace ptx::py {

// The parameters of one function. Not thread-safe to create; use it under the GIL only.
struct Signature {
  static constexpr int kMaxParams = 8;
  const char* function;       // named in error messages: "start_span"
  const char* const* names;   // parameter names in order
  int count;                  // number of names, at most kMaxParams
  int positional;             // the first `positional` may be given by position; the rest are keyword-only
  int required;               // the first `required` must be given
  PyObject* interned[kMaxParams] = {};  // the names as interned str, made on first use
};

// Fills out[0..count) with borrowed references; nullptr for an argument not given. Returns
// false with a TypeError set, worded as CPython words them for its own functions.
bool ParseArgs(Signature& sig, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
               PyObject** out);

// Runs body (which returns a new reference, or nullptr with a Python error set) and turns the
// C++ exceptions of the shared conversion code into the Python exceptions pybind11 would raise.
template <typename F>
PyObject* Guarded(F&& body) noexcept {
  try {
    return body();
  } catch (pybind11::error_already_set& e) {
    e.restore();
  } catch (const pybind11::builtin_exception& e) {
    e.set_error();
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

// The C++ object inside a pybind11 instance of a class registered with a single C++ type.
template <typename T>
T& PybindValue(PyObject* self) {
  auto* inst = reinterpret_cast<pybind11::detail::instance*>(self);
  return *static_cast<T*>(inst->get_value_and_holder().value_ptr());
}

// Replaces (or adds) method `def` of a pybind11 class by a CPython method descriptor, so that a
// call skips pybind11's dispatcher. `def` must outlive the module (a static).
void SetFastMethod(pybind11::handle cls, PyMethodDef* def);

}  // namespace ptx::py
