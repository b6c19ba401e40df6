// Random trace and span ids for new spans: a per-thread xoshiro256** generator seeded from the
// operating system, never returning an all-zero id, and reseeded in a forked child.
//
//   ptx::TraceId trace_id = ptx::NewTraceId();
//   ptx::SpanId span_id = ptx::NewSpanId();
#pragma once

#include "ptx/context/span_context.h"

namespace ptx {

// Thread-safe: every thread owns its generator state, so calls never contend. A child created
// by fork() reseeds before its first id (pthread_atfork), so it never repeats the parent's
// sequence. Not a cryptographic generator: ids must be unique, not secret.
TraceId NewTraceId();
SpanId NewSpanId();

}  // namespace ptx
