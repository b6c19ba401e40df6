#include "frames.h"

namespace ptx::py {
namespace pyb = pybind11;

PyObject* CurrentVar() {
  static PyObject* var = PyContextVar_New("pytracingx_current_span", nullptr);
  return var;
}

namespace {
PyTypeObject* native_type = nullptr;             // set once at module init (the Span type)
ContextFrame* (*native_get)(PyObject*) = nullptr;
}  // namespace

void RegisterNativeFrameType(PyTypeObject* type, ContextFrame* (*get)(PyObject*)) {
  native_type = type;
  native_get = get;
}

ContextFrame* AsFrame(PyObject* obj) {
  if (Py_TYPE(obj) == native_type) return native_get(obj);
  if (!pyb::isinstance<ContextFrame>(obj)) return nullptr;
  return pyb::handle(obj).cast<ContextFrame*>();
}

ContextFrame* CurrentFrame() {
  PyObject* value = nullptr;
  if (PyContextVar_Get(CurrentVar(), nullptr, &value) < 0) {
    PyErr_Clear();
    return nullptr;
  }
  if (value == nullptr) return nullptr;
  // The ContextVar keeps the frame alive while it is current.
  ContextFrame* frame = AsFrame(value);
  Py_DECREF(value);
  return frame;
}

pyb::object Activate(pyb::handle obj) {
  PyObject* token = PyContextVar_Set(CurrentVar(), obj.ptr());
  if (token == nullptr) throw pyb::error_already_set();
  return pyb::reinterpret_steal<pyb::object>(token);
}

void Deactivate(pyb::handle token) {
  if (token.is_none()) return;
  if (PyContextVar_Reset(CurrentVar(), token.ptr()) < 0) {
    // Used already, or created in another context (a span entered in one task and exited
    // in another): the other context keeps its own value; nothing to undo here.
    PyErr_Clear();
  }
}

void RegisterFrames(pyb::module_& m) {
  pyb::class_<ContextFrame>(m, "_ContextFrame");
}

}  // namespace ptx::py
