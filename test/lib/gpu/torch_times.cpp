// torch_times.cpp: a small JSON reader for bench/torch_ops.py's output (the
// schema in torch_times.h), with line:column diagnostics.
#include "torch_times.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pipeops::bench {
namespace {

/// Recursive-descent reader over the whole text; the first error wins.
class Reader {
public:
  explicit Reader(const std::string &text) : s(text) {}

  bool document(TorchTimes &out) {
    bool sawOps = false;
    if (!object([&](const std::string &key) {
          if (key == "gpu")
            return string(out.gpu);
          if (key == "torch")
            return string(out.torch);
          if (key == "ops") {
            sawOps = true;
            return ops(out);
          }
          return skipValue(0);
        }))
      return false;
    space();
    if (pos != s.size())
      return fail("unexpected text after the top-level object");
    if (!sawOps)
      return failAt(0, "no \"ops\" object");
    return true;
  }

  std::string error;

private:
  const std::string &s;
  size_t pos = 0;
  size_t keyAt = 0; ///< where the member key being read starts

  bool failAt(size_t at, const std::string &message) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < s.size(); ++i, ++col)
      if (s[i] == '\n')
        ++line, col = 0;
    error = std::to_string(line) + ":" + std::to_string(col) + ": " + message;
    return false;
  }
  bool fail(const std::string &message) { return failAt(pos, message); }

  void space() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' ||
                              s[pos] == '\n' || s[pos] == '\r'))
      ++pos;
  }
  bool expect(char c) {
    space();
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return fail(std::string("expected '") + c + "'");
  }

  /// An object; `member` reads each value after its key and colon.
  template <typename F> bool object(F member) {
    if (!expect('{'))
      return false;
    space();
    if (pos < s.size() && s[pos] == '}')
      return ++pos, true;
    for (;;) {
      std::string key;
      space();
      keyAt = pos;
      if (!string(key) || !expect(':') || !member(key))
        return false;
      space();
      if (pos < s.size() && s[pos] == ',') {
        ++pos;
        continue;
      }
      return expect('}');
    }
  }

  bool ops(TorchTimes &out) {
    return object([&](const std::string &key) {
      if (out.ms.count(key))
        return failAt(keyAt, "op \"" + key + "\" appears twice");
      bool sawMs = false;
      double ms = 0;
      space();
      size_t start = pos;
      if (!object([&](const std::string &field) {
            if (field != "ms")
              return skipValue(0);
            sawMs = true;
            space();
            size_t at = pos;
            if (!number(ms))
              return false;
            if (!(ms > 0) || !std::isfinite(ms))
              return failAt(at, "op \"" + key +
                                    "\": \"ms\" must be a positive number");
            return true;
          }))
        return false;
      if (!sawMs)
        return failAt(start, "op \"" + key + "\" has no \"ms\"");
      out.ms[key] = ms;
      return true;
    });
  }

  bool string(std::string &out) {
    space();
    if (pos >= s.size() || s[pos] != '"')
      return fail("expected a string");
    ++pos;
    out.clear();
    while (pos < s.size() && s[pos] != '"') {
      char c = s[pos++];
      if (static_cast<unsigned char>(c) < 0x20)
        return failAt(pos - 1, "control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos >= s.size())
        break;
      char e = s[pos++];
      switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        if (pos + 4 > s.size())
          return fail("short \\u escape");
        unsigned code = 0;
        for (int i = 0; i < 4; ++i) {
          char h = s[pos++];
          code <<= 4;
          if (h >= '0' && h <= '9')
            code |= h - '0';
          else if (h >= 'a' && h <= 'f')
            code |= h - 'a' + 10;
          else if (h >= 'A' && h <= 'F')
            code |= h - 'A' + 10;
          else
            return failAt(pos - 1, "bad hex digit in \\u escape");
        }
        // UTF-8; surrogate halves are kept as-is (names here are ASCII).
        if (code < 0x80) {
          out += static_cast<char>(code);
        } else if (code < 0x800) {
          out += static_cast<char>(0xC0 | (code >> 6));
          out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (code >> 12));
          out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (code & 0x3F));
        }
        break;
      }
      default:
        return failAt(pos - 1, std::string("bad escape '\\") + e + "'");
      }
    }
    if (pos >= s.size())
      return fail("unterminated string");
    ++pos;
    return true;
  }

  /// A JSON number (strict grammar: no leading '+', no bare '.', no hex).
  bool number(double &out) {
    space();
    size_t start = pos;
    if (pos < s.size() && s[pos] == '-')
      ++pos;
    auto digits = [&] {
      size_t from = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
        ++pos;
      return pos > from;
    };
    bool ok = digits();
    if (ok && pos < s.size() && s[pos] == '.')
      ++pos, ok = digits();
    if (ok && pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
      ++pos;
      if (pos < s.size() && (s[pos] == '+' || s[pos] == '-'))
        ++pos;
      ok = digits();
    }
    if (!ok)
      return failAt(start, "expected a number");
    out = std::strtod(s.substr(start, pos - start).c_str(), nullptr);
    return true;
  }

  bool skipValue(int depth) {
    if (depth > 64)
      return fail("nested too deeply");
    space();
    if (pos >= s.size())
      return fail("expected a value");
    char c = s[pos];
    if (c == '"') {
      std::string ignored;
      return string(ignored);
    }
    if (c == '{')
      return object([&](const std::string &) { return skipValue(depth + 1); });
    if (c == '[') {
      ++pos;
      space();
      if (pos < s.size() && s[pos] == ']')
        return ++pos, true;
      for (;;) {
        if (!skipValue(depth + 1))
          return false;
        space();
        if (pos < s.size() && s[pos] == ',') {
          ++pos;
          continue;
        }
        return expect(']');
      }
    }
    for (const char *word : {"true", "false", "null"})
      if (s.compare(pos, std::string(word).size(), word) == 0)
        return pos += std::string(word).size(), true;
    double ignored;
    return number(ignored);
  }
};

} // namespace

bool parseTorchTimes(const std::string &text, TorchTimes &out,
                     std::string &error) {
  out = TorchTimes();
  Reader reader(text);
  if (reader.document(out))
    return true;
  error = reader.error;
  return false;
}

bool readTorchTimes(const std::string &path, TorchTimes &out,
                    std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path +
            ": cannot open (write it with python3 bench/torch_ops.py "
            "--out " +
            path + " on the same GPU)";
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (parseTorchTimes(text.str(), out, error))
    return true;
  error = path + ":" + error;
  return false;
}

} // namespace pipeops::bench
