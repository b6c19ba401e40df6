#include "fastcall.h"

namespace ptx::py {
namespace {

bool Intern(Signature& sig) {
  if (sig.interned[0] != nullptr) return true;
  for (int i = 0; i < sig.count; ++i) {
    sig.interned[i] = PyUnicode_InternFromString(sig.names[i]);  // kept for the process
    if (sig.interned[i] == nullptr) return false;
  }
  return true;
}

int FindKeyword(const Signature& sig, PyObject* key) {
  for (int i = 0; i < sig.count; ++i) {
    if (sig.interned[i] == key) return i;  // the usual case: keywords in code are interned
  }
  for (int i = 0; i < sig.count; ++i) {
    if (PyUnicode_Check(key) && PyUnicode_Compare(sig.interned[i], key) == 0) return i;
  }
  PyErr_Clear();
  return -1;
}

}  // namespace

bool ParseArgs(Signature& sig, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
               PyObject** out) {
  if (!Intern(sig)) return false;
  for (int i = 0; i < sig.count; ++i) out[i] = nullptr;
  if (nargs > sig.positional) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %d positional argument%s (%zd given)", sig.function,
                 sig.positional, sig.positional == 1 ? "" : "s", nargs);
    return false;
  }
  for (Py_ssize_t i = 0; i < nargs; ++i) out[i] = args[i];
  if (kwnames != nullptr) {
    Py_ssize_t nkw = PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t k = 0; k < nkw; ++k) {
      PyObject* key = PyTuple_GET_ITEM(kwnames, k);
      int i = FindKeyword(sig, key);
      if (i < 0) {
        PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%S'", sig.function, key);
        return false;
      }
      if (out[i] != nullptr) {
        PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", sig.function,
                     sig.names[i]);
        return false;
      }
      out[i] = args[nargs + k];
    }
  }
  for (int i = 0; i < sig.required; ++i) {
    if (out[i] == nullptr) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", sig.function, sig.names[i]);
      return false;
    }
  }
  return true;
}

void SetFastMethod(pybind11::handle cls, PyMethodDef* def) {
  PyObject* descr = PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(cls.ptr()), def);
  if (descr == nullptr) throw pybind11::error_already_set();
  int rc = PyObject_SetAttrString(cls.ptr(), def->ml_name, descr);
  Py_DECREF(descr);
  if (rc < 0) throw pybind11::error_already_set();
}

}  // namespace ptx::py
