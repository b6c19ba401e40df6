// The search part of an SLS query ("level: error and not timeout"), as GetLogs filters with it.
//
//   Result<SlsQuery> q = SlsQuery::Parse("status >= 500 or error");
//   if (q.ok() && q->Matches(row)) ...
//
// Grammar (keywords in any case; adjacent terms are joined by `and`; `and` binds tighter
// than `or`):
//   query := "*" | expr [ "|" ]        (an analytic statement after "|" is refused)
//   expr  := term | "not" expr | "(" expr ")" | expr "and" expr | expr "or" expr
//   term  := word | "phrase" | key ":" value | key (">" | ">=" | "<" | "<=") number
// A word or value matches when the field's text, split at SLS's token delimiters, contains it
// case-insensitively (a trailing "*" matches a token prefix; several tokens must appear in
// order, next to each other). Bare words and phrases search every content value; `key:` terms
// and comparisons search only that field (`__topic__`, `__source__`, `__tag__:name` included).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ptx/base/status.h"

namespace ptx::emulator {

// Deepest nesting of `not` and parentheses a query may have; deeper ones are InvalidArgument.
inline constexpr int kMaxQueryDepth = 100;

// One log as a query sees it: its fields in order, reserved ones ("__topic__", ...) included.
using SlsRow = std::vector<std::pair<std::string, std::string>>;

// Immutable once parsed; Matches is thread-safe.
class SlsQuery {
 public:
  // InvalidArgument names what could not be parsed.
  static Result<SlsQuery> Parse(std::string_view text);

  bool Matches(const SlsRow& row) const;
  // True for "*" or an empty query: every log matches.
  bool match_all() const { return root_ == nullptr; }

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
};

// The lowercase tokens of `text`, split at SLS's default delimiters.
std::vector<std::string> SlsTokens(std::string_view text);

}  // namespace ptx::emulator
