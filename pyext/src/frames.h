// What the `contextvars.ContextVar` of the module holds: a Span or an ExtractedContext, both
// ContextFrames. New spans take their parent and baggage from the current frame.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <optional>

#include "ptx/context/propagators.h"
#include "ptx/context/span_context.h"

namespace ptx::py {

struct ContextFrame {
  virtual ~ContextFrame() = default;
  std::optional<SpanContext> context;     // absent: no span (before init, or invalid headers)
  std::shared_ptr<const Baggage> baggage;  // null when empty
};

// The frame inside obj (a Span or an ExtractedContext), or nullptr for any other object.
ContextFrame* AsFrame(PyObject* obj);
// Lets AsFrame see the frames inside instances of `type`, a CPython type of its own (not a
// pybind11 class); `get` returns the frame of such an instance. Called once, at module init.
void RegisterNativeFrameType(PyTypeObject* type, ContextFrame* (*get)(PyObject*));

// The module's ContextVar (a new reference is never returned: borrowed for the process).
PyObject* CurrentVar();
// The current frame, or nullptr when nothing is current. Needs the GIL.
ContextFrame* CurrentFrame();
// Makes obj (a ContextFrame) current; returns the ContextVar token (new reference).
pybind11::object Activate(pybind11::handle obj);
// Resets the ContextVar with token; a token from another context is ignored.
void Deactivate(pybind11::handle token);

void RegisterFrames(pybind11::module_& m);

}  // namespace ptx::py
