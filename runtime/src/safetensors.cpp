// safetensors writing and checked reading, with a small JSON reader for the
// header (objects, arrays, strings, integers: all the format uses).
#include "safetensors.h"

#include "error.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace pipert {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20; // as the reference reader

std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// A parameter's shape; a spec without shapes has one dim of `elements`.
std::vector<int64_t> shapeOf(const ParamSpec &p) {
  return p.shape.empty() ? std::vector<int64_t>{p.elements} : p.shape;
}

/// One JSON value of the header: what a tensor entry needs.
struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  std::string text; ///< String; Number as written
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;
};

class JsonReader {
public:
  JsonReader(const std::string &text, const std::string &file)
      : s_(text), file_(file) {}
  Json document() {
    Json v = value(0);
    skipSpace();
    if (pos_ != s_.size())
      fail("trailing characters");
    return v;
  }

private:
  [[noreturn]] void fail(const std::string &what) {
    throw RuntimeError(file_ + ": bad safetensors header: " + what +
                       " at header byte " + std::to_string(pos_));
  }
  void skipSpace() {
    while (pos_ < s_.size() && std::strchr(" \t\r\n", s_[pos_]))
      ++pos_;
  }
  void expect(char c) {
    skipSpace();
    if (pos_ >= s_.size() || s_[pos_] != c)
      fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size())
        break;
      char e = s_[pos_++];
      const char *plain = "\"\\/bfnrt", *means = "\"\\/\b\f\n\r\t";
      if (const char *p = std::strchr(plain, e); p && e) {
        out += means[p - plain];
      } else if (e == 'u' && pos_ + 4 <= s_.size() &&
                 s_.find_first_not_of("0123456789abcdefABCDEF", pos_) >=
                     pos_ + 4) {
        unsigned code = std::stoul(s_.substr(pos_, 4), nullptr, 16);
        pos_ += 4;
        if (code >= 0x80)
          fail("non-ASCII \\u escape");
        out += static_cast<char>(code);
      } else {
        fail("bad escape");
      }
    }
    if (pos_ >= s_.size())
      fail("unterminated string");
    ++pos_;
    return out;
  }
  Json value(int depth) {
    if (depth > 16)
      fail("nesting too deep");
    skipSpace();
    if (pos_ >= s_.size())
      fail("unexpected end");
    Json v;
    char c = s_[pos_];
    if (c == '{') {
      v.kind = Json::Object;
      ++pos_;
      skipSpace();
      if (pos_ < s_.size() && s_[pos_] == '}')
        return ++pos_, v;
      for (;;) {
        std::string key = string();
        expect(':');
        v.fields.emplace_back(key, value(depth + 1));
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.kind = Json::Array;
      ++pos_;
      skipSpace();
      if (pos_ < s_.size() && s_[pos_] == ']')
        return ++pos_, v;
      for (;;) {
        v.items.push_back(value(depth + 1));
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.kind = Json::String;
      v.text = string();
      return v;
    }
    for (const char *word : {"true", "false", "null"})
      if (s_.compare(pos_, std::strlen(word), word) == 0) {
        pos_ += std::strlen(word);
        v.kind = *word == 'n' ? Json::Null : Json::Bool;
        return v;
      }
    size_t start = pos_;
    while (pos_ < s_.size() && std::strchr("+-0123456789.eE", s_[pos_]))
      ++pos_;
    if (pos_ == start)
      fail("unexpected character");
    v.kind = Json::Number;
    v.text = s_.substr(start, pos_ - start);
    return v;
  }

  const std::string &s_;
  const std::string &file_;
  size_t pos_ = 0;
};

/// A non-negative integer field value, or -1.
int64_t integerOf(const Json &v) {
  if (v.kind != Json::Number || v.text.empty() || v.text.size() > 18 ||
      v.text.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stoll(v.text);
}

struct Entry {
  std::string dtype;
  std::vector<int64_t> shape;
  int64_t begin = -1, end = -1;
};

Entry entryOf(const std::string &file, const std::string &name, const Json &v) {
  auto bad = [&](const std::string &what) -> RuntimeError {
    return RuntimeError(file + ": tensor " + name + ": " + what);
  };
  if (v.kind != Json::Object)
    throw bad("its header entry is not an object");
  Entry e;
  bool haveShape = false;
  for (const auto &[key, f] : v.fields) {
    if (key == "dtype" && f.kind == Json::String) {
      e.dtype = f.text;
    } else if (key == "shape" && f.kind == Json::Array) {
      haveShape = true;
      for (const Json &d : f.items) {
        int64_t n = integerOf(d);
        if (n < 0)
          throw bad("bad shape entry");
        e.shape.push_back(n);
      }
    } else if (key == "data_offsets" && f.kind == Json::Array &&
               f.items.size() == 2) {
      e.begin = integerOf(f.items[0]);
      e.end = integerOf(f.items[1]);
    } else {
      throw bad("bad header field '" + key + "'");
    }
  }
  if (e.dtype.empty() || !haveShape || e.begin < 0 || e.end < e.begin)
    throw bad("needs dtype, shape and data_offsets [begin, end]");
  return e;
}

} // namespace

void writeSafetensors(const std::string &file, const ModelSpec &spec,
                      const std::vector<const std::vector<float> *> &values) {
  // A tied copy equals its owner and shares its name: written once.
  std::string header = "{";
  int64_t offset = 0;
  for (size_t k = 0; k < spec.params.size(); ++k) {
    const ParamSpec &p = spec.params[k];
    if (p.tiedTo >= 0)
      continue;
    int64_t bytes = p.elements * 4;
    header += (header.size() > 1 ? "," : "") + jsonString(p.name) +
              ":{\"dtype\":\"F32\",\"shape\":[";
    std::vector<int64_t> shape = shapeOf(p);
    for (size_t i = 0; i < shape.size(); ++i)
      header += (i ? "," : "") + std::to_string(shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + bytes) + "]}";
    offset += bytes;
  }
  header += "}";
  // Padded with spaces so the data starts 8-byte aligned, as the reference
  // writer does.
  header.append((8 - header.size() % 8) % 8, ' ');
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out)
    throw RuntimeError(file + ": cannot write: " + std::strerror(errno));
  uint64_t n = header.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i)
    len[i] = static_cast<unsigned char>(n >> (8 * i));
  out.write(reinterpret_cast<const char *>(len), 8);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  for (size_t k = 0; k < spec.params.size(); ++k) {
    if (spec.params[k].tiedTo >= 0)
      continue;
    const std::vector<float> &v = *values[k];
    if (static_cast<int64_t>(v.size()) != spec.params[k].elements)
      throw RuntimeError("internal error: export of " + spec.params[k].name +
                         " has " + std::to_string(v.size()) + " values");
    out.write(reinterpret_cast<const char *>(v.data()),
              static_cast<std::streamsize>(v.size() * 4));
  }
  out.close();
  if (!out)
    throw RuntimeError(file + ": write failed: " + std::strerror(errno));
}

std::vector<std::vector<float>> readSafetensors(const std::string &file,
                                                const ModelSpec &spec) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw RuntimeError(file + ": cannot open: " + std::strerror(errno));
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string bytes = buf.str();
  if (bytes.size() < 8)
    throw RuntimeError(file + ": too short for a safetensors file (" +
                       std::to_string(bytes.size()) + " bytes)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (n > kMaxHeaderBytes || n > bytes.size() - 8)
    throw RuntimeError(file + ": header length " + std::to_string(n) +
                       " exceeds the file's " +
                       std::to_string(bytes.size() - 8) + " bytes after it");
  std::string header = bytes.substr(8, n);
  Json doc = JsonReader(header, file).document();
  if (doc.kind != Json::Object)
    throw RuntimeError(file + ": bad safetensors header: not a JSON object");
  const char *data = bytes.data() + 8 + n;
  uint64_t dataBytes = bytes.size() - 8 - n;
  std::map<std::string, Entry> entries;
  for (const auto &[name, v] : doc.fields) {
    if (name == "__metadata__")
      continue;
    Entry e = entryOf(file, name, v);
    if (static_cast<uint64_t>(e.end) > dataBytes)
      throw RuntimeError(file + ": tensor " + name + ": data_offsets [" +
                         std::to_string(e.begin) + ", " +
                         std::to_string(e.end) + "] run past the " +
                         std::to_string(dataBytes) + " data bytes");
    if (!entries.emplace(name, e).second)
      throw RuntimeError(file + ": tensor " + name + " appears twice");
  }
  std::vector<std::vector<float>> values(spec.params.size());
  for (size_t k = 0; k < spec.params.size(); ++k) {
    const ParamSpec &p = spec.params[k];
    if (p.tiedTo >= 0) { // a tied copy starts as its owner (read before it)
      values[k] = values[p.tiedTo];
      continue;
    }
    auto it = entries.find(p.name);
    if (it == entries.end())
      throw RuntimeError(file + ": tensor " + p.name + " is missing");
    const Entry &e = it->second;
    if (e.dtype != "F32")
      throw RuntimeError(file + ": tensor " + p.name + " has dtype " + e.dtype +
                         ", expected F32");
    if (e.shape != shapeOf(p))
      throw RuntimeError(file + ": tensor " + p.name + " has shape " +
                         shapeText(e.shape) + ", the model " +
                         shapeText(shapeOf(p)));
    if (e.end - e.begin != p.elements * 4)
      throw RuntimeError(file + ": tensor " + p.name + " has " +
                         std::to_string(e.end - e.begin) +
                         " data bytes for shape " + shapeText(e.shape));
    values[k].resize(static_cast<size_t>(p.elements));
    std::memcpy(values[k].data(), data + e.begin,
                static_cast<size_t>(p.elements) * 4);
    entries.erase(it);
  }
  if (!entries.empty())
    throw RuntimeError(file + ": tensor " + entries.begin()->first +
                       " is not a parameter of model " + spec.model);
  return values;
}

} // namespace pipert
