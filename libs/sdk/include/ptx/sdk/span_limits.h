// Span limits: how many attributes, events and links one span may hold, and how long a
// string attribute value may be. Whatever exceeds them is dropped and counted.
//
//   ptx::SpanLimits limits = ptx::SpanLimitsFromEnv({});   // OTEL_*_LIMIT over the defaults
//   limits.max_events = 16;                                 // explicit settings win over both
#pragma once

#include <cstddef>
#include <cstdint>

namespace ptx {

// Value type. The defaults are the OpenTelemetry SDK defaults.
struct SpanLimits {
  size_t max_attributes = 128;               // attributes per span
  size_t max_events = 128;                   // events per span
  size_t max_links = 128;                    // links per span
  size_t max_attributes_per_event = 128;     // attributes per event
  size_t max_attributes_per_link = 128;      // attributes per link
  size_t max_attribute_value_length = SIZE_MAX;  // UTF-8 characters per string value
};

// Returns `defaults` with the environment applied; unset, empty, negative or non-numeric values
// are ignored. General limits first, specific ones override them:
//   OTEL_ATTRIBUTE_COUNT_LIMIT         -> max_attributes, max_attributes_per_event, _per_link
//   OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT  -> max_attribute_value_length
//   OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT    -> max_attributes
//   OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT -> max_attribute_value_length
//   OTEL_SPAN_EVENT_COUNT_LIMIT        -> max_events
//   OTEL_SPAN_LINK_COUNT_LIMIT         -> max_links
//   OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT   -> max_attributes_per_event
//   OTEL_LINK_ATTRIBUTE_COUNT_LIMIT    -> max_attributes_per_link
SpanLimits SpanLimitsFromEnv(SpanLimits defaults);

}  // namespace ptx
