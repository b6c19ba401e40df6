// Python -> native conversions shared by every area of the module. All raise TypeError or
// ValueError with a message naming the offending argument; all need the GIL.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ptx/base/attribute_value.h"

namespace ptx::py {

namespace pyb = pybind11;

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One attribute value; nullopt for None (skipped). Non-representable values become str(value).
std::optional<AttributeValue> ToAttributeValue(pyb::handle value);
// Appends every non-None item of a dict (or None) to out, honouring `limit` with a dropped count.
// `what` names the argument in error messages ("attributes").
void AppendAttributes(pyb::handle dict, const char* what, Attributes& out,
                      size_t limit = SIZE_MAX, uint32_t* dropped = nullptr);
// AppendAttributes into an empty set, for a scratch vector reused across calls: out ends up
// holding exactly the dict's non-None items, and the strings already in out keep their
// storage, so that a steady stream of same-shaped dicts allocates nothing. Same errors.
void AssignAttributes(pyb::handle dict, const char* what, Attributes& out);
// Raises ValueError/TypeError for a bad key.
std::string AttributeKey(pyb::handle key);

// Python value of an attribute (for repr/describe and tests).
pyb::object FromAttributeValue(const AttributeValue& value);

// A str -> str dict (or None) as an ordered header list; `what` names it in errors.
HeaderList ToHeaders(pyb::handle dict, const char* what);

// Lowercased ASCII copy; enum-like arguments are matched case-insensitively.
std::string Lower(std::string s);

// Optional numeric arguments: None -> nullopt; wrong type -> TypeError naming `what`.
std::optional<int64_t> OptionalInt(pyb::handle value, const char* what);
std::optional<double> OptionalFloat(pyb::handle value, const char* what);
std::optional<std::string> OptionalStr(pyb::handle value, const char* what);

}  // namespace ptx::py
