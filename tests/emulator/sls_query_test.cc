#include "sls_query.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ptx::emulator {
namespace {

const SlsRow kRow = {{"__time__", "1700000000"},
                     {"__topic__", "web"},
                     {"__source__", "10.0.0.1"},
                     {"__tag__:host", "box-1"},
                     {"level", "ERROR"},
                     {"msg", "User login failed: bad password"},
                     {"latency", "250.5"},
                     {"path", "/api/v1/login"}};

bool Match(const std::string& text) {
  Result<SlsQuery> query = SlsQuery::Parse(text);
  EXPECT_TRUE(query.ok()) << text << ": " << query.status().message();
  return query.ok() && query->Matches(kRow);
}

TEST(SlsQueryTest, Tokens) {
  EXPECT_EQ(SlsTokens("User login:failed, /api/v1 a=b"),
            (std::vector<std::string>{"user", "login", "failed", "api", "v1", "a", "b"}));
  EXPECT_EQ(SlsTokens("1.2.3.4"), (std::vector<std::string>{"1.2.3.4"}));
  EXPECT_TRUE(SlsTokens(" ,;").empty());
}

TEST(SlsQueryTest, MatchAll) {
  EXPECT_TRUE(SlsQuery::Parse("")->match_all());
  EXPECT_TRUE(SlsQuery::Parse(" * ")->match_all());
  EXPECT_TRUE(SlsQuery::Parse("* |")->match_all());
  EXPECT_TRUE(Match("*"));
  EXPECT_FALSE(SlsQuery::Parse("a")->match_all());
}

TEST(SlsQueryTest, FullText) {
  EXPECT_TRUE(Match("login"));
  EXPECT_TRUE(Match("LOGIN"));
  EXPECT_FALSE(Match("log"));
  EXPECT_TRUE(Match("log*"));
  EXPECT_TRUE(Match("\"login failed\""));
  EXPECT_FALSE(Match("\"failed login\""));
  EXPECT_TRUE(Match("v1"));
  EXPECT_FALSE(Match("web"));  // reserved fields are not full-text searched
}

TEST(SlsQueryTest, FieldTerms) {
  EXPECT_TRUE(Match("level: error"));
  EXPECT_TRUE(Match("level:error"));
  EXPECT_FALSE(Match("level: info"));
  EXPECT_FALSE(Match("msg: error"));
  EXPECT_TRUE(Match("msg: \"bad password\""));
  EXPECT_TRUE(Match("path: login"));
  EXPECT_TRUE(Match("__topic__: web"));
  EXPECT_TRUE(Match("__tag__:host: box-1"));
  EXPECT_TRUE(Match("__tag__:host:box-1"));
  EXPECT_TRUE(Match("latency: *"));
  EXPECT_FALSE(Match("missing: *"));
  EXPECT_TRUE(Match("__source__: 10.0.0.1"));
}

TEST(SlsQueryTest, Comparisons) {
  EXPECT_TRUE(Match("latency > 250"));
  EXPECT_TRUE(Match("latency>=250.5"));
  EXPECT_FALSE(Match("latency < 250.5"));
  EXPECT_TRUE(Match("latency <= 250.5"));
  EXPECT_FALSE(Match("level > 1"));  // not a number
}

TEST(SlsQueryTest, BooleanOperators) {
  EXPECT_TRUE(Match("login and failed"));
  EXPECT_TRUE(Match("login failed"));  // implicit and
  EXPECT_FALSE(Match("login and success"));
  EXPECT_TRUE(Match("success or failed"));
  EXPECT_TRUE(Match("success OR level: error AND NOT latency < 100"));
  EXPECT_FALSE(Match("not login"));
  EXPECT_TRUE(Match("login not success"));
  EXPECT_TRUE(Match("(success or login) and (failed or nothing)"));
  EXPECT_FALSE(Match("(success or login) and not (failed or nothing)"));
  EXPECT_TRUE(Match("* and level: error"));
  // and binds tighter than or
  EXPECT_TRUE(Match("nothing and nada or login"));
  EXPECT_FALSE(Match("nothing and (nada or login)"));
}

TEST(SlsQueryTest, ParseErrors) {
  for (const char* bad : {"(login", "login)", "level:", "and", "a or", "\"open", "latency >",
                          "latency > abc", "* | select count(*)", "not"}) {
    EXPECT_FALSE(SlsQuery::Parse(bad).ok()) << bad;
  }
  EXPECT_TRUE(SlsQuery::Parse("msg: \"a | b\"").ok());
}

// Found while writing fuzz/sls_query: each `not` and '(' recursed without bound, so a long
// enough query (GetLogs v2 takes it from a body of up to 20 MB) overflowed the handler thread's
// stack.
TEST(SlsQueryTest, DeepNestingIsRefusedNotACrash) {
  std::string nots;
  std::string parens;
  for (int i = 0; i < 200000; ++i) nots += "not ";
  parens = std::string(200000, '(') + "login" + std::string(200000, ')');
  const std::string expected = "query: nested deeper than 100 levels of 'not' and parentheses";
  for (const std::string& query : {nots + "login", parens}) {
    Result<SlsQuery> parsed = SlsQuery::Parse(query);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(), expected);
  }

  // The limit itself still parses and evaluates.
  std::string deepest;
  for (int i = 0; i < kMaxQueryDepth - 1; ++i) deepest += "not ";
  Result<SlsQuery> at_limit = SlsQuery::Parse(deepest + "login");
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().message();
  SlsRow row = {{"message", "login ok"}};
  EXPECT_EQ(at_limit->Matches(row), (kMaxQueryDepth - 1) % 2 == 0);
  Result<SlsQuery> parenthesised = SlsQuery::Parse(std::string(kMaxQueryDepth - 1, '(') + "login" +
                                                   std::string(kMaxQueryDepth - 1, ')'));
  ASSERT_TRUE(parenthesised.ok()) << parenthesised.status().message();
  EXPECT_TRUE(parenthesised->Matches(row));
  EXPECT_FALSE(SlsQuery::Parse(std::string(kMaxQueryDepth, '(') + "login" +
                               std::string(kMaxQueryDepth, ')'))
                   .ok());
}

}  // namespace
}  // namespace ptx::emulator
