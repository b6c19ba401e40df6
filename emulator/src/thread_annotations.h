// Clang thread-safety annotations; they compile to nothing elsewhere.
//
//   mutable std::mutex mu_;
//   TraceTable traces_ PTX_GUARDED_BY(mu_);
#pragma once

#if defined(__clang__)
#define PTX_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define PTX_THREAD_ANNOTATION(x)
#endif

#define PTX_GUARDED_BY(x) PTX_THREAD_ANNOTATION(guarded_by(x))
#define PTX_EXCLUDES(...) PTX_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define PTX_EXCLUSIVE_LOCKS_REQUIRED(...) \
  PTX_THREAD_ANNOTATION(exclusive_locks_required(__VA_ARGS__))
