//===- JsonDepth.cpp - Bounding JSON nesting before llvm::json::parse -----===//
#include "pipe/Plan/JsonDepth.h"

#include "llvm/Support/FormatVariadic.h"

namespace pipe::plan {

llvm::Error checkJsonDepth(llvm::StringRef text, llvm::StringRef what,
                           unsigned maxDepth) {
  unsigned depth = 0, line = 1;
  size_t lineStart = 0;
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      lineStart = i + 1;
    }
    if (inString) {
      if (c == '\\')
        ++i; // the escaped character cannot end the string
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth)
        return llvm::createStringError(
            llvm::inconvertibleErrorCode(),
            llvm::formatv("{0}: invalid JSON: nested more than {1} deep at "
                          "line {2}, column {3}",
                          what, maxDepth, line, i - lineStart + 1)
                .str());
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return llvm::Error::success();
}

} // namespace pipe::plan
