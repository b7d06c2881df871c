// Command-line parsing for generated programs: --flag VALUE and --flag=VALUE
// forms.
#include "error.h"
#include "options.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace pipert {
namespace {

int64_t parseCount(const std::string &flag, const std::string &value,
                   int64_t min) {
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end || errno || v < min)
    throw RuntimeError("bad value '" + value + "' for " + flag +
                       " (an integer >= " + std::to_string(min) + ")");
  return v;
}

double parseSeconds(const std::string &flag, const std::string &value) {
  char *end = nullptr;
  double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end || !(v > 0))
    throw RuntimeError("bad value '" + value + "' for " + flag +
                       " (seconds > 0)");
  // now() + 1e10 s overflows steady_clock's nanoseconds into the past, which
  // would time out at once: any longer timeout (inf too) means "never".
  return std::min(v, kMaxTimeoutSeconds);
}

} // namespace

Options parseOptions(int argc, char **argv) {
  Options o;
  if (const char *env = std::getenv("PIPERT_TIMEOUT"))
    o.timeoutSeconds = parseSeconds("PIPERT_TIMEOUT", env);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], flag = arg, value;
    bool inlineValue = false;
    if (size_t eq = arg.find('=');
        arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inlineValue = true;
    }
    auto next = [&]() -> std::string {
      if (inlineValue)
        return value;
      if (i + 1 >= argc)
        throw RuntimeError("missing value for " + flag);
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      return o;
    }
    if (flag == "--backend") {
      std::string v = next();
      if (v == "host")
        o.backend = BackendChoice::Host;
      else if (v == "cuda")
        o.backend = BackendChoice::Cuda;
      else
        throw RuntimeError("bad value '" + v +
                           "' for --backend (cuda or host)");
    } else if (flag == "--steps") {
      o.steps = parseCount(flag, next(), 1);
    } else if (flag == "--checkpoint") {
      o.checkpointDir = next();
    } else if (flag == "--checkpoint-every") {
      o.checkpointEvery = parseCount(flag, next(), 1);
    } else if (flag == "--resume") {
      o.resumeDir = next();
    } else if (flag == "--profile") {
      o.profileFile = next();
    } else if (flag == "--export" || flag == "--init") {
      (flag == "--export" ? o.exportFile : o.initFile) = next();
    } else if (flag == "--trace") {
      o.traceFile = next();
    } else if (flag == "--timeout") {
      o.timeoutSeconds = parseSeconds(flag, next());
    } else {
      throw RuntimeError("unknown argument '" + arg + "'");
    }
    if ((flag == "--checkpoint" || flag == "--resume" || flag == "--profile" ||
         flag == "--export" || flag == "--init" || flag == "--trace") &&
        (inlineValue ? value : std::string(argv[i])).empty())
      throw RuntimeError("empty path for " + flag);
  }
  if (o.checkpointEvery && o.checkpointDir.empty())
    throw RuntimeError("--checkpoint-every needs --checkpoint DIR");
  if (!o.initFile.empty() && !o.resumeDir.empty())
    throw RuntimeError("--init and --resume both set the parameters; give one");
  return o;
}

void printUsage(FILE *out, const char *argv0, const ModelSpec &spec) {
  const char *data = spec.train.data == DataKind::Bytes    ? "bytes"
                     : spec.train.data == DataKind::Tokens ? "tokens"
                                                           : "synthetic";
  std::fprintf(
      out,
      "usage: %s [--backend=cuda|host] [--steps N] [--checkpoint DIR]\n"
      "       [--checkpoint-every N] [--resume DIR] [--profile FILE] "
      "[--trace FILE] [--timeout SECONDS]\n"
      "       [--export FILE] [--init FILE]\n"
      "  --backend=cuda|host  where to run (default: cuda when a GPU is "
      "usable, else host)\n"
      "  --steps N            optimizer steps (default: %lld, train.steps)\n"
      "  --checkpoint DIR     save DIR/checkpoint.pipert at the end (default: "
      "none)\n"
      "  --checkpoint-every N also save every N steps (needs --checkpoint)\n"
      "  --resume DIR         continue from DIR/checkpoint.pipert\n"
      "  --profile FILE       write measured per-cell times for pipec "
      "--profile\n"
      "  --export FILE        write the trained parameters as safetensors "
      "(f32)\n"
      "  --init FILE          start from a safetensors file's parameters\n"
      "  --trace FILE         write the last step's measured timeline (Chrome "
      "trace JSON)\n"
      "  --timeout SECONDS    communication watchdog (default: 300, or "
      "PIPERT_TIMEOUT; inf: none)\n"
      "  --help, -h           print this and exit\n"
      "compiled from %s: model %s, schedule %s, ranks %d, stages %zu, "
      "virtual %d,\n"
      "  microbatches %d, batch %d, data_parallel %d, data %s%s%s\n",
      argv0, static_cast<long long>(spec.train.steps), spec.source.c_str(),
      spec.model.c_str(), spec.schedule.c_str(), spec.ranks, spec.stages.size(),
      spec.virtualStages, spec.microbatches, spec.batch, spec.dataParallel,
      data, spec.train.dataFile.empty() ? "" : " ",
      spec.train.dataFile.c_str());
}

} // namespace pipert
