#include "sls_query.h"

#include <cstdlib>
#include <optional>

#include "ptx/base/text.h"

namespace ptx::emulator {

struct SlsQuery::Node {
  enum class Kind { kAnd, kOr, kNot, kText, kField, kCompare };
  Kind kind = Kind::kText;
  std::vector<std::shared_ptr<const Node>> children;  // kAnd, kOr (2+), kNot (1)
  std::string field;                                  // kField, kCompare
  std::vector<std::string> tokens;                    // kText, kField
  bool prefix = false;  // the last token matches as a prefix ("err*")
  bool any = false;     // kField with value "*": the field exists
  std::string op;       // kCompare: ">", ">=", "<", "<="
  double number = 0;    // kCompare
};

namespace {

using Node = SlsQuery::Node;
using NodePtr = std::shared_ptr<const Node>;

// SLS's default token delimiters.
bool IsDelimiter(char c) {
  static constexpr std::string_view kDelimiters = ",'\";=()[]{}?@&<>/:\n\t\r ";
  return kDelimiters.find(c) != std::string_view::npos;
}

enum class TokenKind { kWord, kPhrase, kOpen, kClose, kCompare, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
};

Result<std::vector<Token>> Lex(std::string_view text) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
    } else if (c == '(' || c == ')') {
      out.push_back({c == '(' ? TokenKind::kOpen : TokenKind::kClose, std::string(1, c)});
      ++i;
    } else if (c == '<' || c == '>') {
      std::string op(1, c);
      if (i + 1 < text.size() && text[i + 1] == '=') op += '=';
      out.push_back({TokenKind::kCompare, op});
      i += op.size();
    } else if (c == '"') {
      std::string phrase;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          phrase += text[i + 1];
          i += 2;
        } else if (text[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          phrase += text[i++];
        }
      }
      if (!closed) return InvalidArgumentError("unterminated \" in query");
      out.push_back({TokenKind::kPhrase, std::move(phrase)});
    } else {
      size_t start = i;
      while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' &&
             text[i] != '\r' && text[i] != '(' && text[i] != ')' && text[i] != '"' &&
             text[i] != '<' && text[i] != '>') {
        ++i;
      }
      out.push_back({TokenKind::kWord, std::string(text.substr(start, i - start))});
    }
  }
  return out;
}

bool IsKeyword(const Token& token, std::string_view keyword) {
  return token.kind == TokenKind::kWord && AsciiLower(token.text) == keyword;
}

// Tokens of a search value; a trailing '*' asks for a prefix match of the last token.
NodePtr ValueNode(Node::Kind kind, std::string field, std::string value, bool phrase) {
  auto node = std::make_shared<Node>();
  node->kind = kind;
  node->field = std::move(field);
  if (!phrase && value == "*") {
    node->any = true;
    return node;
  }
  if (!phrase && value.size() > 1 && value.back() == '*') {
    node->prefix = true;
    value.pop_back();
  }
  node->tokens = SlsTokens(value);
  return node;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<NodePtr> ParseAll() {
    Result<NodePtr> root = ParseOr();
    if (!root.ok()) return root;
    if (Peek().kind != TokenKind::kEnd) return Error("unexpected '" + Peek().text + "'");
    return root;
  }

 private:
  const Token& Peek(size_t ahead = 0) const {
    static const Token kEnd;
    return pos_ + ahead < tokens_.size() ? tokens_[pos_ + ahead] : kEnd;
  }
  Status Error(const std::string& why) const {
    return InvalidArgumentError("query: " + why);
  }
  bool AtTermStart() const {
    const Token& t = Peek();
    if (t.kind == TokenKind::kEnd || t.kind == TokenKind::kClose || t.kind == TokenKind::kCompare) {
      return false;
    }
    return !IsKeyword(t, "and") && !IsKeyword(t, "or");
  }

  Result<NodePtr> ParseOr() {
    Result<NodePtr> left = ParseAnd();
    if (!left.ok()) return left;
    std::vector<NodePtr> children{*left};
    while (IsKeyword(Peek(), "or")) {
      ++pos_;
      Result<NodePtr> right = ParseAnd();
      if (!right.ok()) return right;
      children.push_back(*right);
    }
    return Combine(Node::Kind::kOr, std::move(children));
  }

  Result<NodePtr> ParseAnd() {
    Result<NodePtr> left = ParseUnary();
    if (!left.ok()) return left;
    std::vector<NodePtr> children{*left};
    while (true) {
      if (IsKeyword(Peek(), "and")) {
        ++pos_;
      } else if (!AtTermStart()) {
        break;
      }
      Result<NodePtr> right = ParseUnary();
      if (!right.ok()) return right;
      children.push_back(*right);
    }
    return Combine(Node::Kind::kAnd, std::move(children));
  }

  static NodePtr Combine(Node::Kind kind, std::vector<NodePtr> children) {
    if (children.size() == 1) return children.front();
    auto node = std::make_shared<Node>();
    node->kind = kind;
    node->children = std::move(children);
    return node;
  }

  // Every recursion (parser, Evaluate, the nodes' destructors) is as deep as the nesting of
  // `not` and parentheses; bound it so that no query can exhaust a server thread's stack.
  struct DepthGuard {
    explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
    ~DepthGuard() { --*depth_; }
    int* depth_;
  };

  Result<NodePtr> ParseUnary() {
    DepthGuard guard(&depth_);
    if (depth_ > kMaxQueryDepth) {
      return Error("nested deeper than " + std::to_string(kMaxQueryDepth) +
                   " levels of 'not' and parentheses");
    }
    const Token& t = Peek();
    if (IsKeyword(t, "not")) {
      ++pos_;
      Result<NodePtr> inner = ParseUnary();
      if (!inner.ok()) return inner;
      auto node = std::make_shared<Node>();
      node->kind = Node::Kind::kNot;
      node->children.push_back(*inner);
      return NodePtr(node);
    }
    if (t.kind == TokenKind::kOpen) {
      ++pos_;
      Result<NodePtr> inner = ParseOr();
      if (!inner.ok()) return inner;
      if (Peek().kind != TokenKind::kClose) return Error("missing ')'");
      ++pos_;
      return inner;
    }
    return ParseTerm();
  }

  Result<NodePtr> ParseTerm() {
    const Token t = Peek();
    if (t.kind == TokenKind::kPhrase) {
      ++pos_;
      return ValueNode(Node::Kind::kText, "", t.text, /*phrase=*/true);
    }
    if (t.kind != TokenKind::kWord || IsKeyword(t, "and") || IsKeyword(t, "or")) {
      return Error(t.kind == TokenKind::kEnd ? "missing a term at the end"
                                             : "unexpected '" + t.text + "'");
    }
    ++pos_;
    if (Peek().kind == TokenKind::kCompare) {
      std::string op = Peek().text;
      ++pos_;
      const Token& number = Peek();
      char* end = nullptr;
      double value = number.kind == TokenKind::kWord ? std::strtod(number.text.c_str(), &end) : 0;
      if (number.kind != TokenKind::kWord || end == number.text.c_str() || *end != '\0') {
        return Error("expected a number after '" + t.text + " " + op + "'");
      }
      ++pos_;
      auto node = std::make_shared<Node>();
      node->kind = Node::Kind::kCompare;
      node->field = t.text;
      node->op = op;
      node->number = value;
      return NodePtr(node);
    }
    // "key:" (value in the next token), "key:value", "__tag__:name:value" or a bare word.
    const std::string& word = t.text;
    size_t search_from = word.rfind("__tag__:", 0) == 0 ? 8 : 0;
    size_t colon = word.find(':', search_from);
    if (colon == std::string::npos || colon == 0) {
      return ValueNode(Node::Kind::kText, "", word, /*phrase=*/false);
    }
    std::string field = word.substr(0, colon);
    std::string value = word.substr(colon + 1);
    if (!value.empty()) return ValueNode(Node::Kind::kField, field, value, /*phrase=*/false);
    const Token& next = Peek();
    if (next.kind != TokenKind::kWord && next.kind != TokenKind::kPhrase) {
      return Error("missing a value after '" + word + "'");
    }
    ++pos_;
    return ValueNode(Node::Kind::kField, field, next.text, next.kind == TokenKind::kPhrase);
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;  // ParseUnary calls in progress
};

// True when `needle` appears in `haystack` as consecutive tokens (the last as a prefix when
// `prefix`). An empty needle (a value made only of delimiters) matches nothing.
bool ContainsTokens(const std::vector<std::string>& haystack,
                    const std::vector<std::string>& needle, bool prefix) {
  if (needle.empty() || needle.size() > haystack.size()) return false;
  for (size_t start = 0; start + needle.size() <= haystack.size(); ++start) {
    bool all = true;
    for (size_t j = 0; j < needle.size() && all; ++j) {
      const std::string& have = haystack[start + j];
      bool last = j + 1 == needle.size();
      all = (prefix && last) ? have.compare(0, needle[j].size(), needle[j]) == 0
                             : have == needle[j];
    }
    if (all) return true;
  }
  return false;
}

bool IsReserved(const std::string& key) { return key.rfind("__", 0) == 0; }

bool Evaluate(const Node& node, const SlsRow& row) {
  switch (node.kind) {
    case Node::Kind::kAnd:
      for (const NodePtr& child : node.children) {
        if (!Evaluate(*child, row)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (const NodePtr& child : node.children) {
        if (Evaluate(*child, row)) return true;
      }
      return false;
    case Node::Kind::kNot:
      return !Evaluate(*node.children.front(), row);
    case Node::Kind::kText:
      if (node.any) return true;
      for (const auto& [key, value] : row) {
        if (IsReserved(key)) continue;
        if (ContainsTokens(SlsTokens(value), node.tokens, node.prefix)) return true;
      }
      return false;
    case Node::Kind::kField:
      for (const auto& [key, value] : row) {
        if (key != node.field) continue;
        if (node.any) return true;
        if (ContainsTokens(SlsTokens(value), node.tokens, node.prefix)) return true;
      }
      return false;
    case Node::Kind::kCompare:
      for (const auto& [key, value] : row) {
        if (key != node.field) continue;
        char* end = nullptr;
        double v = std::strtod(value.c_str(), &end);
        if (value.empty() || end == value.c_str() || *end != '\0') continue;
        if (node.op == ">" && v > node.number) return true;
        if (node.op == ">=" && v >= node.number) return true;
        if (node.op == "<" && v < node.number) return true;
        if (node.op == "<=" && v <= node.number) return true;
      }
      return false;
  }
  return false;
}

// The query up to an unquoted '|', trimmed; nullopt when an analytic statement follows.
std::optional<std::string_view> SearchPart(std::string_view text) {
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && quoted) {
      ++i;
    } else if (text[i] == '"') {
      quoted = !quoted;
    } else if (text[i] == '|' && !quoted) {
      if (!TrimSpaces(text.substr(i + 1)).empty()) return std::nullopt;
      return TrimSpaces(text.substr(0, i));
    }
  }
  return TrimSpaces(text);
}

}  // namespace

std::vector<std::string> SlsTokens(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (IsDelimiter(c)) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

Result<SlsQuery> SlsQuery::Parse(std::string_view text) {
  std::optional<std::string_view> search = SearchPart(text);
  if (!search) {
    return InvalidArgumentError("query: analytic statements (after '|') are not supported");
  }
  SlsQuery query;
  if (search->empty() || *search == "*") return query;
  Result<std::vector<Token>> tokens = Lex(*search);
  if (!tokens.ok()) return tokens.status();
  Parser parser(std::move(tokens).value());
  Result<NodePtr> root = parser.ParseAll();
  if (!root.ok()) return root.status();
  query.root_ = *root;
  return query;
}

bool SlsQuery::Matches(const SlsRow& row) const { return !root_ || Evaluate(*root_, row); }

}  // namespace ptx::emulator
