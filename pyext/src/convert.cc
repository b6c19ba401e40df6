#include "convert.h"

#include <Python.h>

#include <algorithm>
#include <cctype>

namespace ptx::py {
namespace {

enum class ScalarKind { kNone, kBool, kInt, kFloat, kStr, kBytes, kOther };

ScalarKind KindOf(PyObject* o) {
  if (o == Py_None) return ScalarKind::kNone;
  if (PyBool_Check(o)) return ScalarKind::kBool;
  if (PyLong_Check(o)) return ScalarKind::kInt;
  if (PyFloat_Check(o)) return ScalarKind::kFloat;
  if (PyUnicode_Check(o)) return ScalarKind::kStr;
  if (PyBytes_Check(o) || PyByteArray_Check(o)) return ScalarKind::kBytes;
  return ScalarKind::kOther;
}

std::string StrOf(pyb::handle o) { return pyb::str(o).cast<std::string>(); }

std::string BytesOf(PyObject* o) {
  if (PyBytes_Check(o)) return std::string(PyBytes_AS_STRING(o), PyBytes_GET_SIZE(o));
  return std::string(PyByteArray_AS_STRING(o), PyByteArray_GET_SIZE(o));
}

std::string Utf8Of(PyObject* o) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(o, &size);
  if (data == nullptr) {
    // Lone surrogates cannot be encoded: keep the text with replacement characters.
    PyErr_Clear();
    pyb::object encoded = pyb::reinterpret_steal<pyb::object>(
        PyUnicode_AsEncodedString(o, "utf-8", "replace"));
    return BytesOf(encoded.ptr());
  }
  return std::string(data, static_cast<size_t>(size));
}

// int64 when it fits; nullopt when the Python int is out of range.
std::optional<int64_t> Int64Of(PyObject* o) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
  if (overflow != 0) return std::nullopt;
  return static_cast<int64_t>(v);
}

template <typename T, typename F>
std::optional<AttributeValue> ListOf(PyObject* seq, ScalarKind kind, F convert) {
  std::vector<T> out;
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  out.reserve(static_cast<size_t>(n));
  PyObject** items = PySequence_Fast_ITEMS(seq);
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (items[i] == Py_None) continue;
    auto value = convert(items[i]);
    if (!value) return std::nullopt;
    out.push_back(std::move(*value));
  }
  return AttributeValue(std::move(out));
}

std::optional<AttributeValue> SequenceValue(pyb::handle value) {
  pyb::object fast = pyb::reinterpret_steal<pyb::object>(PySequence_Fast(value.ptr(), ""));
  PyObject* seq = fast.ptr();
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  ScalarKind kind = ScalarKind::kNone;
  for (Py_ssize_t i = 0; i < n; ++i) {
    ScalarKind k = KindOf(items[i]);
    if (k == ScalarKind::kNone) continue;
    if (k == ScalarKind::kOther || (kind != ScalarKind::kNone && k != kind)) return std::nullopt;
    kind = k;
  }
  switch (kind) {
    case ScalarKind::kNone:
    case ScalarKind::kStr:
      return ListOf<std::string>(seq, kind, [](PyObject* o) {
        return std::optional<std::string>(Utf8Of(o));
      });
    case ScalarKind::kBool:
      return ListOf<bool>(seq, kind, [](PyObject* o) { return std::optional<bool>(o == Py_True); });
    case ScalarKind::kInt:
      return ListOf<int64_t>(seq, kind, [](PyObject* o) { return Int64Of(o); });
    case ScalarKind::kFloat:
      return ListOf<double>(seq, kind,
                            [](PyObject* o) { return std::optional<double>(PyFloat_AS_DOUBLE(o)); });
    case ScalarKind::kBytes:
      return ListOf<Bytes>(seq, kind, [](PyObject* o) { return std::optional<Bytes>(Bytes{BytesOf(o)}); });
    case ScalarKind::kOther:
      break;
  }
  return std::nullopt;
}

}  // namespace

std::optional<AttributeValue> ToAttributeValue(pyb::handle value) {
  PyObject* o = value.ptr();
  switch (KindOf(o)) {
    case ScalarKind::kNone: return std::nullopt;
    case ScalarKind::kBool: return AttributeValue(o == Py_True);
    case ScalarKind::kInt: {
      if (auto v = Int64Of(o)) return AttributeValue(*v);
      return AttributeValue(StrOf(value));
    }
    case ScalarKind::kFloat: return AttributeValue(PyFloat_AS_DOUBLE(o));
    case ScalarKind::kStr: return AttributeValue(Utf8Of(o));
    case ScalarKind::kBytes: return AttributeValue(Bytes{BytesOf(o)});
    case ScalarKind::kOther: break;
  }
  if (PyList_Check(o) || PyTuple_Check(o)) {
    if (auto list = SequenceValue(value)) return list;
  }
  return AttributeValue(StrOf(value));
}

std::string AttributeKey(pyb::handle key) {
  if (!PyUnicode_Check(key.ptr())) {
    throw pyb::type_error("attribute keys must be str, got " +
                          std::string(Py_TYPE(key.ptr())->tp_name));
  }
  std::string k = Utf8Of(key.ptr());
  if (k.empty()) throw pyb::value_error("attribute key must not be empty");
  return k;
}

namespace {

// Builds the value of an exact str key's entry in place for the scalar kinds; false for the
// others (and for strings with lone surrogates), which take the general path.
bool EmplaceScalar(PyObject* o, AttributeValue& slot) {
  switch (KindOf(o)) {
    case ScalarKind::kBool: slot.emplace<bool>(o == Py_True); return true;
    case ScalarKind::kFloat: slot.emplace<double>(PyFloat_AS_DOUBLE(o)); return true;
    case ScalarKind::kInt:
      if (auto v = Int64Of(o)) {
        slot.emplace<int64_t>(*v);
        return true;
      }
      return false;
    case ScalarKind::kStr: {
      Py_ssize_t size = 0;
      const char* text = PyUnicode_AsUTF8AndSize(o, &size);
      if (text == nullptr) {
        PyErr_Clear();
        return false;
      }
      slot.emplace<std::string>(text, static_cast<size_t>(size));
      return true;
    }
    default: return false;
  }
}

}  // namespace

void AppendAttributes(pyb::handle dict, const char* what, Attributes& out, size_t limit,
                      uint32_t* dropped) {
  if (dict.is_none()) return;
  if (!PyDict_Check(dict.ptr())) {
    throw pyb::type_error(std::string(what) + " must be a dict, got " +
                          Py_TYPE(dict.ptr())->tp_name);
  }
  // The keys of one dict are distinct, so while `out` holds only keys taken from it as exact
  // str (whose UTF-8 is distinct too), an entry can be appended without looking for its key.
  bool distinct = out.empty();
  if (distinct) out.reserve(std::min(static_cast<size_t>(PyDict_GET_SIZE(dict.ptr())), limit));
  PyObject* key;
  PyObject* value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict.ptr(), &pos, &key, &value)) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_CheckExact(key) ? PyUnicode_AsUTF8AndSize(key, &size) : nullptr;
    if (data != nullptr && size > 0 && distinct && value != Py_None) {
      if (out.size() >= limit) {
        if (dropped) ++*dropped;
        continue;
      }
      KeyValue& kv = out.emplace_back();
      kv.first.assign(data, static_cast<size_t>(size));
      if (EmplaceScalar(value, kv.second)) continue;
      try {
        kv.second = std::move(*ToAttributeValue(value));  // not None: always a value
      } catch (...) {
        out.pop_back();
        throw;
      }
      continue;
    }
    if (data == nullptr) PyErr_Clear();
    std::string k = AttributeKey(key);  // raises for a non-str or empty key
    auto v = ToAttributeValue(value);
    if (!v) continue;
    if (data == nullptr) distinct = false;  // a str subclass, or replaced surrogates
    if (!SetAttribute(out, k, std::move(*v), limit) && dropped) ++*dropped;
  }
}

void AssignAttributes(pyb::handle dict, const char* what, Attributes& out) {
  size_t n = 0;
  if (dict.is_none()) {
    out.clear();
    return;
  }
  if (!PyDict_Check(dict.ptr())) {
    throw pyb::type_error(std::string(what) + " must be a dict, got " +
                          Py_TYPE(dict.ptr())->tp_name);
  }
  PyObject* key;
  PyObject* value;
  Py_ssize_t pos = 0;
  while (PyDict_Next(dict.ptr(), &pos, &key, &value)) {
    if (value == Py_None) {
      AttributeKey(key);  // still validated, as AppendAttributes does
      continue;
    }
    if (n == out.size()) out.emplace_back();
    KeyValue& slot = out[n];
    Py_ssize_t size = 0;
    const char* data = PyUnicode_Check(key) ? PyUnicode_AsUTF8AndSize(key, &size) : nullptr;
    if (data == nullptr) {
      PyErr_Clear();
      slot.first = AttributeKey(key);  // raises for a non-str or empty key; encodes surrogates
    } else {
      if (size == 0) throw pyb::value_error("attribute key must not be empty");
      slot.first.assign(data, static_cast<size_t>(size));
    }
    ++n;  // the key is set: a later exception leaves a consistent entry
    PyObject* o = value;
    switch (KindOf(o)) {
      case ScalarKind::kBool: slot.second = (o == Py_True); continue;
      case ScalarKind::kFloat: slot.second = PyFloat_AS_DOUBLE(o); continue;
      case ScalarKind::kInt:
        if (auto v = Int64Of(o)) {
          slot.second = *v;
          continue;
        }
        break;
      case ScalarKind::kStr: {
        const char* text = PyUnicode_AsUTF8AndSize(o, &size);
        if (text == nullptr) {
          PyErr_Clear();
          break;  // lone surrogates: the general path replaces them
        }
        if (auto* s = std::get_if<std::string>(&slot.second)) {
          s->assign(text, static_cast<size_t>(size));
        } else {
          slot.second.emplace<std::string>(text, static_cast<size_t>(size));
        }
        continue;
      }
      default: break;
    }
    slot.second = std::move(*ToAttributeValue(value));
  }
  out.resize(n);
}

pyb::object FromAttributeValue(const AttributeValue& value) {
  switch (value.index()) {
    case 0: return pyb::bool_(std::get<bool>(value));
    case 1: return pyb::int_(std::get<int64_t>(value));
    case 2: return pyb::float_(std::get<double>(value));
    case 3: return pyb::str(std::get<std::string>(value));
    case 4: return pyb::bytes(std::get<Bytes>(value).data);
    case 5: return pyb::cast(std::get<std::vector<bool>>(value));
    case 6: return pyb::cast(std::get<std::vector<int64_t>>(value));
    case 7: return pyb::cast(std::get<std::vector<double>>(value));
    case 8: return pyb::cast(std::get<std::vector<std::string>>(value));
    case 9: {
      pyb::list out;
      for (const auto& b : std::get<std::vector<Bytes>>(value)) out.append(pyb::bytes(b.data));
      return std::move(out);
    }
  }
  return pyb::none();
}

HeaderList ToHeaders(pyb::handle dict, const char* what) {
  HeaderList out;
  if (dict.is_none()) return out;
  if (!PyDict_Check(dict.ptr())) {
    throw pyb::type_error(std::string(what) + " must be a dict of str to str, got " +
                          Py_TYPE(dict.ptr())->tp_name);
  }
  for (auto item : pyb::reinterpret_borrow<pyb::dict>(dict)) {
    if (!PyUnicode_Check(item.first.ptr()) || !PyUnicode_Check(item.second.ptr())) {
      throw pyb::type_error(std::string(what) + " keys and values must be str");
    }
    std::string name = Utf8Of(item.first.ptr());
    if (name.empty()) throw pyb::value_error(std::string(what) + " names must not be empty");
    out.emplace_back(std::move(name), Utf8Of(item.second.ptr()));
  }
  return out;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::optional<int64_t> OptionalInt(pyb::handle value, const char* what) {
  if (value.is_none()) return std::nullopt;
  if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr())) {
    throw pyb::type_error(std::string(what) + " must be an int, got " +
                          Py_TYPE(value.ptr())->tp_name);
  }
  auto v = Int64Of(value.ptr());
  if (!v) throw pyb::value_error(std::string(what) + " is out of range");
  return v;
}

std::optional<double> OptionalFloat(pyb::handle value, const char* what) {
  if (value.is_none()) return std::nullopt;
  if (PyFloat_Check(value.ptr())) return PyFloat_AS_DOUBLE(value.ptr());
  if (PyLong_Check(value.ptr()) && !PyBool_Check(value.ptr())) {
    double d = PyLong_AsDouble(value.ptr());
    if (d == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      throw pyb::value_error(std::string(what) + " is out of range");
    }
    return d;
  }
  throw pyb::type_error(std::string(what) + " must be a number, got " +
                        Py_TYPE(value.ptr())->tp_name);
}

std::optional<std::string> OptionalStr(pyb::handle value, const char* what) {
  if (value.is_none()) return std::nullopt;
  if (!PyUnicode_Check(value.ptr())) {
    throw pyb::type_error(std::string(what) + " must be a str, got " +
                          Py_TYPE(value.ptr())->tp_name);
  }
  return Utf8Of(value.ptr());
}

}  // namespace ptx::py
