//===- CommandLine.cpp - Parses pipec's flags (pipec.md, Command line) ---===//
#include "pipe/Driver/Compilation.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"

using namespace llvm;

namespace pipe::driver {

void printUsage(raw_ostream &os) {
  os << "usage: pipec FILE.pipe [--emit=KIND[,KIND...]] [-o DIR] "
        "[--set KEY=VALUE]... [--profile FILE] [--verify-diagnostics]\n"
        "  --emit=KIND      ";
  interleave(
      emitKinds(), os, [&](const EmitKind &k) { os << k.name; }, ", ");
  os << "\n"
        "  -o DIR           write the generated program as a CMake project "
        "into DIR\n"
        "  --set KEY=VALUE  override a pipeline or train key\n"
        "  --profile FILE   measured per-cell costs replacing the cost model\n"
        "  --verify-diagnostics  check expected-error/note annotations in the "
        "input\n";
}

/// `--flag=VALUE` or `--flag VALUE`: the value, advancing `i` past it.
static std::optional<StringRef> flagValue(ArrayRef<StringRef> args, size_t &i,
                                          StringRef flag, raw_ostream &errs) {
  StringRef arg = args[i];
  if (arg.size() > flag.size() && arg[flag.size()] == '=')
    return arg.drop_front(flag.size() + 1);
  if (i + 1 < args.size())
    return args[++i];
  errs << "error: " << flag << " needs a value\n";
  return std::nullopt;
}

static bool isFlag(StringRef arg, StringRef flag) {
  return arg == flag || arg.starts_with((flag + "=").str());
}

static bool addEmitKinds(Options &options, StringRef list, raw_ostream &errs) {
  SmallVector<StringRef> kinds;
  list.split(kinds, ',');
  for (StringRef kind : kinds) {
    kind = kind.trim();
    if (!lookupEmitKind(kind)) {
      errs << "error: unknown --emit kind '" << kind << "' (expected ";
      interleave(
          emitKinds(), errs, [&](const EmitKind &k) { errs << k.name; }, ", ");
      errs << ")\n";
      return false;
    }
    if (!is_contained(options.emitKinds, kind.str()))
      options.emitKinds.push_back(kind.str());
  }
  return true;
}

std::optional<Options> parseCommandLine(ArrayRef<StringRef> args,
                                        raw_ostream &errs) {
  Options options;
  for (size_t i = 0; i < args.size(); ++i) {
    StringRef arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      return options;
    }
    if (arg == "--verify-diagnostics") {
      options.verifyDiagnostics = true;
    } else if (isFlag(arg, "--emit")) {
      std::optional<StringRef> v = flagValue(args, i, "--emit", errs);
      if (!v || !addEmitKinds(options, *v, errs))
        return std::nullopt;
    } else if (isFlag(arg, "-o")) {
      std::optional<StringRef> v = flagValue(args, i, "-o", errs);
      if (!v)
        return std::nullopt;
      if (v->empty()) {
        errs << "error: -o needs a directory\n";
        return std::nullopt;
      }
      options.outputDir = v->str();
    } else if (isFlag(arg, "--set")) {
      std::optional<StringRef> v = flagValue(args, i, "--set", errs);
      if (!v)
        return std::nullopt;
      auto [key, value] = v->split('=');
      if (!v->contains('=') || key.trim().empty()) {
        errs << "error: --set expects KEY=VALUE, got '" << *v << "'\n";
        return std::nullopt;
      }
      options.overrides.push_back({key.trim().str(), value.trim().str()});
    } else if (isFlag(arg, "--profile")) {
      std::optional<StringRef> v = flagValue(args, i, "--profile", errs);
      if (!v)
        return std::nullopt;
      options.profileFile = v->str();
    } else if (arg.starts_with("-") && arg != "-") {
      errs << "error: unknown option '" << arg << "' (see pipec --help)\n";
      return std::nullopt;
    } else if (!options.inputFile.empty()) {
      errs << "error: more than one input file ('" << options.inputFile
           << "' and '" << arg << "')\n";
      return std::nullopt;
    } else {
      options.inputFile = arg.str();
    }
  }
  if (options.inputFile.empty()) {
    errs << "error: no input file (usage: pipec FILE.pipe [--emit=KIND] ...)\n";
    return std::nullopt;
  }
  return options;
}

} // namespace pipe::driver
