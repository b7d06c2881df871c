//===- GeneratedText.cpp - Paths spelled safely in generated C++ and CMake ===//
#include "pipe/Lowering/GeneratedText.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace pipe::lowering {

static bool isControl(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

/// Appends `c` as a C escape: \n, \r, \t or \xHH.
static void appendEscape(llvm::raw_ostream &os, char c) {
  switch (c) {
  case '\n':
    os << "\\n";
    return;
  case '\r':
    os << "\\r";
    return;
  case '\t':
    os << "\\t";
    return;
  default:
    os << llvm::format("\\x%02x", static_cast<unsigned char>(c));
  }
}

std::string commentText(llvm::StringRef text) {
  std::string out;
  llvm::raw_string_ostream os(out);
  for (char c : text) {
    if (isControl(c))
      appendEscape(os, c);
    else if (c == '\\')
      os << "\\\\"; // a trailing backslash would continue a // comment
    else
      os << c;
  }
  return out;
}

std::string cppQuoted(llvm::StringRef text) {
  std::string out = "\"";
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += '\\';
      out += static_cast<char>('0' + (u >> 6));
      out += static_cast<char>('0' + ((u >> 3) & 7));
      out += static_cast<char>('0' + (u & 7));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string cmakeQuoted(llvm::StringRef text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\' || c == '$')
      out += '\\';
    // Other control characters are kept: a quoted argument holds them
    // literally; newline, CR and tab have escapes that keep it on one line.
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else
      out += c;
  }
  return out + "\"";
}

bool includableAsIs(llvm::StringRef path) {
  for (char c : path)
    if (isControl(c) || c == '"' || c == '\\')
      return false;
  return true;
}

} // namespace pipe::lowering
