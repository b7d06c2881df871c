//===- GeneratedText.h - Text spelled safely in generated C++ and CMake --===//
//
// A path may hold any byte but NUL and '/'-separated names; the generated
// project must still build, so each is escaped for where it goes.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_LOWERING_GENERATEDTEXT_H
#define PIPE_LOWERING_GENERATEDTEXT_H

#include "llvm/ADT/StringRef.h"
#include <string>

namespace pipe::lowering {

/// `text` for a one-line comment (C++ `//` or CMake `#`): control characters
/// and backslashes are written as C escapes (`\n`, `\x01`), so that the
/// comment cannot end early or continue onto the next line.
std::string commentText(llvm::StringRef text);

/// `text` as a C++ string literal, quotes included: `"` and `\` escaped,
/// control characters as octal escapes, so the literal stays on one line.
std::string cppQuoted(llvm::StringRef text);

/// `text` as a CMake quoted argument, quotes included: `"`, `\`, `$`, newline,
/// CR and tab escaped.
std::string cmakeQuoted(llvm::StringRef text);

/// Whether `path` can be spelled in `#include "..."`, which has no escapes:
/// no control characters, `"` or `\`.
bool includableAsIs(llvm::StringRef path);

} // namespace pipe::lowering

#endif // PIPE_LOWERING_GENERATEDTEXT_H
