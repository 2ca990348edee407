//===- Json.h - The small JSON reader and writer of smelt-serve -*- C++ -*-===//
//
// Deliberately small: objects, arrays, numbers, strings, true/false/null,
// plus NaN/Infinity as Python writes them. Numbers keep their source text so
// that integers convert without going through double and floats round-trip
// exactly (f32 is printed with %.9g, f64 with %.17g). Header-only; used by
// server.cpp.
//
//===----------------------------------------------------------------------===//
#ifndef SMELT_EXAMPLES_HTTP_SERVICE_JSON_H
#define SMELT_EXAMPLES_HTTP_SERVICE_JSON_H

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace smelt_serve {

/// A mistake of the client: answered with HTTP 400 and the message.
class BadRequest : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

//===----------------------------------------------------------------------===//
// JSON values and reader
//===----------------------------------------------------------------------===//

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object };
  Kind kind = Null;
  bool boolean = false;
  /// String: the decoded value. Number: the source text ("1.5e3", "NaN").
  std::string text;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;

  const Json *find(const std::string &key) const {
    for (const auto &member : members)
      if (member.first == key)
        return &member.second;
    return nullptr;
  }
};

inline const char *kindName(Json::Kind kind) {
  switch (kind) {
  case Json::Null: return "null";
  case Json::Bool: return "a boolean";
  case Json::Number: return "a number";
  case Json::String: return "a string";
  case Json::Array: return "an array";
  case Json::Object: return "an object";
  }
  return "a value";
}

class JsonReader {
public:
  explicit JsonReader(const std::string &text) : text_(text) {}

  Json read() {
    skipSpace();
    Json result = value(0);
    skipSpace();
    if (pos_ != text_.size())
      fail("unexpected characters after the value");
    return result;
  }

private:
  /// Deep enough for any tensor; bounds the recursion on hostile input.
  static constexpr int kMaxDepth = 64;

  [[noreturn]] void fail(const std::string &what) const {
    throw BadRequest("invalid JSON at offset " + std::to_string(pos_) + ": " + what);
  }

  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return atEnd() ? '\0' : text_[pos_]; }

  void skipSpace() {
    while (!atEnd() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                        text_[pos_] == '\r'))
      ++pos_;
  }

  bool consumeWord(const char *word) {
    size_t length = std::strlen(word);
    if (text_.compare(pos_, length, word) != 0)
      return false;
    pos_ += length;
    return true;
  }

  Json value(int depth) {
    if (depth > kMaxDepth)
      fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
    if (atEnd())
      fail("unexpected end of input");
    Json result;
    char c = peek();
    if (c == '{') {
      object(result, depth);
    } else if (c == '[') {
      array(result, depth);
    } else if (c == '"') {
      result.kind = Json::String;
      result.text = string();
    } else if (consumeWord("true")) {
      result.kind = Json::Bool;
      result.boolean = true;
    } else if (consumeWord("false")) {
      result.kind = Json::Bool;
    } else if (consumeWord("null")) {
      result.kind = Json::Null;
    } else if (c == '-' || c == 'N' || c == 'I' || (c >= '0' && c <= '9')) {
      result.kind = Json::Number;
      result.text = number();
    } else {
      fail(std::string("unexpected character '") + c + "'");
    }
    return result;
  }

  void object(Json &result, int depth) {
    result.kind = Json::Object;
    ++pos_; // '{'
    std::set<std::string> seen;
    skipSpace();
    if (peek() == '}') {
      ++pos_;
      return;
    }
    for (;;) {
      skipSpace();
      if (peek() != '"')
        fail("expected a string key");
      std::string key = string();
      if (!seen.insert(key).second)
        fail("duplicate key \"" + key + "\"");
      skipSpace();
      if (peek() != ':')
        fail("expected ':' after a key");
      ++pos_;
      skipSpace();
      result.members.emplace_back(std::move(key), value(depth + 1));
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return;
      }
      fail("expected ',' or '}' in an object");
    }
  }

  void array(Json &result, int depth) {
    result.kind = Json::Array;
    ++pos_; // '['
    skipSpace();
    if (peek() == ']') {
      ++pos_;
      return;
    }
    for (;;) {
      skipSpace();
      result.items.push_back(value(depth + 1));
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return;
      }
      fail("expected ',' or ']' in an array");
    }
  }

  unsigned hex4() {
    if (pos_ + 4 > text_.size())
      fail("truncated \\u escape");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      code <<= 4;
      if (c >= '0' && c <= '9')
        code |= c - '0';
      else if (c >= 'a' && c <= 'f')
        code |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        code |= c - 'A' + 10;
      else
        fail("bad hex digit in a \\u escape");
    }
    return code;
  }

  static void appendUtf8(std::string &out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  std::string string() {
    ++pos_; // '"'
    std::string out;
    for (;;) {
      if (atEnd())
        fail("unterminated string");
      char c = text_[pos_++];
      if (c == '"')
        return out;
      if (static_cast<unsigned char>(c) < 0x20)
        fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (atEnd())
        fail("unterminated string");
      char escape = text_[pos_++];
      switch (escape) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        unsigned code = hex4();
        if (code >= 0xD800 && code < 0xDC00) {
          if (!consumeWord("\\u"))
            fail("unpaired surrogate in a \\u escape");
          unsigned low = hex4();
          if (low < 0xDC00 || low >= 0xE000)
            fail("unpaired surrogate in a \\u escape");
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        } else if (code >= 0xDC00 && code < 0xE000) {
          fail("unpaired surrogate in a \\u escape");
        }
        appendUtf8(out, code);
        break;
      }
      default:
        fail(std::string("bad escape '\\") + escape + "'");
      }
    }
  }

  /// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, or NaN, Infinity, -Infinity.
  std::string number() {
    size_t start = pos_;
    auto digits = [&] {
      size_t first = pos_;
      while (!atEnd() && text_[pos_] >= '0' && text_[pos_] <= '9')
        ++pos_;
      return pos_ > first;
    };
    if (consumeWord("NaN") || consumeWord("Infinity") || consumeWord("-Infinity"))
      return text_.substr(start, pos_ - start);
    if (peek() == '-')
      ++pos_;
    if (peek() == '0')
      ++pos_;
    else if (!digits())
      fail("malformed number");
    if (peek() == '.') {
      ++pos_;
      if (!digits())
        fail("malformed number: no digits after '.'");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-')
        ++pos_;
      if (!digits())
        fail("malformed number: no digits in the exponent");
    }
    return text_.substr(start, pos_ - start);
  }

  const std::string &text_;
  size_t pos_ = 0;
};

//===----------------------------------------------------------------------===//
// JSON writer
//===----------------------------------------------------------------------===//

inline void writeString(std::string &out, const std::string &value) {
  out += '"';
  for (char c : value) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
        out += escaped;
      } else {
        out += c;
      }
    }
  }
  out += '"';
}

/// `digits` 9 round-trips an f32, 17 an f64.
inline void writeFloat(std::string &out, double value, int digits) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value < 0 ? "-Infinity" : "Infinity";
  } else {
    char buffer[32];
    std::snprintf(buffer, sizeof(buffer), "%.*g", digits, value);
    out += buffer;
  }
}

inline void writeShape(std::string &out, const std::vector<int64_t> &shape) {
  out += '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      out += ", ";
    out += std::to_string(shape[i]);
  }
  out += ']';
}

inline std::string errorBody(const std::string &message, const char *code = nullptr) {
  std::string out = "{\"error\": ";
  writeString(out, message);
  if (code) {
    out += ", \"code\": ";
    writeString(out, code);
  }
  out += "}\n";
  return out;
}


} // namespace smelt_serve

#endif // SMELT_EXAMPLES_HTTP_SERVICE_JSON_H
