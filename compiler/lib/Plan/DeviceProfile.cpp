//===- DeviceProfile.cpp - Loading device profiles from JSON --------------===//
#include "pipe/Plan/DeviceProfile.h"

#include "pipe/Plan/JsonDepth.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace pipe::plan {
namespace {

/// The plausible range of a profile's rates (TFLOP/s, GB/s) and times (us).
constexpr double kMinRate = 1e-6, kMaxValue = 1e9;

/// Reads the fields of one profile object, remembering the first error.
class FieldReader {
public:
  FieldReader(const json::Object &root, StringRef what)
      : root(root), what(what) {}

  double positive(StringRef path) {
    const json::Value *v = lookup(path);
    if (!v)
      return 0;
    std::optional<double> d = v->getAsNumber();
    if (!d || !(*d > 0)) {
      fail(path, "must be a positive number");
      return 0;
    }
    // Rates far outside any device make costs overflow to inf (a plan with
    // "makespan_us": inf) or vanish: reject them here, where they are named.
    if (!(*d >= kMinRate && *d <= kMaxValue)) {
      fail(path, "must be between 1e-6 and 1e9");
      return 0;
    }
    return *d;
  }
  double nonNegative(StringRef path) {
    const json::Value *v = lookup(path);
    if (!v)
      return 0;
    std::optional<double> d = v->getAsNumber();
    if (!d || !(*d >= 0)) {
      fail(path, "must be a non-negative number");
      return 0;
    }
    if (!(*d <= kMaxValue)) {
      fail(path, "must be at most 1e9");
      return 0;
    }
    return *d;
  }
  double fraction(StringRef path) {
    double d = positive(path);
    if (!error.empty() || d <= 1)
      return d;
    fail(path, "must be in (0, 1]");
    return 0;
  }
  int64_t positiveInteger(StringRef path) {
    const json::Value *v = lookup(path);
    if (!v)
      return 0;
    std::optional<int64_t> i = v->getAsInteger();
    if (!i || *i <= 0) {
      fail(path, "must be a positive integer");
      return 0;
    }
    return *i;
  }
  bool boolean(StringRef path) {
    const json::Value *v = lookup(path);
    if (!v)
      return false;
    std::optional<bool> b = v->getAsBoolean();
    if (!b) {
      fail(path, "must be true or false");
      return false;
    }
    return *b;
  }
  std::string string(StringRef path, bool required) {
    const json::Value *v = lookup(path, required);
    if (!v)
      return "";
    std::optional<StringRef> s = v->getAsString();
    if (!s || (required && s->empty())) {
      fail(path, "must be a non-empty string");
      return "";
    }
    return s->str();
  }

  std::string error;

private:
  /// Finds "a" or "a.b" (one level of nesting is all profiles use).
  const json::Value *lookup(StringRef path, bool required = true) {
    if (!error.empty())
      return nullptr;
    auto [head, tail] = path.split('.');
    const json::Value *v = root.get(head);
    if (v && !tail.empty()) {
      const json::Object *inner = v->getAsObject();
      if (!inner) {
        fail(head, "must be an object");
        return nullptr;
      }
      v = inner->get(tail);
    }
    if (!v && required)
      fail(path, "is missing");
    return v;
  }
  void fail(StringRef path, StringRef why) {
    if (error.empty())
      error = formatv("{0}: field '{1}' {2}", what, path, why).str();
  }

  const json::Object &root;
  StringRef what;
};

} // namespace

Expected<DeviceProfile> parseDeviceProfile(StringRef text, StringRef what) {
  if (Error deep = checkJsonDepth(text, what))
    return std::move(deep);
  Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return createStringError(
        inconvertibleErrorCode(),
        formatv("{0}: invalid JSON: {1}", what, toString(parsed.takeError())));
  const json::Object *root = parsed->getAsObject();
  if (!root)
    return createStringError(inconvertibleErrorCode(),
                             formatv("{0}: must be a JSON object", what));
  FieldReader r(*root, what);
  DeviceProfile p;
  p.name = r.string("name", /*required=*/true);
  p.description = r.string("description", /*required=*/false);
  p.memoryBytes = r.positiveInteger("memory_bytes");
  p.peakBf16 = r.positive("peak_tflops.bf16") * 1e12;
  p.peakTf32 = r.positive("peak_tflops.tf32") * 1e12;
  p.peakFp32 = r.positive("peak_tflops.fp32") * 1e12;
  p.memoryBandwidth = r.positive("memory_bandwidth_gbps") * 1e9;
  p.bf16Storage = r.boolean("bf16_storage");
  p.matmulEfficiency = r.fraction("efficiency.matmul");
  p.elementwiseEfficiency = r.fraction("efficiency.elementwise");
  p.linkBandwidth = r.positive("link_bandwidth_gbps") * 1e9;
  p.linkLatencyUs = r.nonNegative("link_latency_us");
  p.kernelLaunchUs = r.nonNegative("kernel_launch_us");
  std::string backend = r.string("backend", /*required=*/false);
  if (backend.empty())
    backend = p.name == "cpu" ? "host" : "cuda";
  if (backend != "host" && backend != "cuda" && r.error.empty())
    r.error = formatv("{0}: 'backend' must be \"host\" or \"cuda\", got "
                      "\"{1}\"",
                      what, backend)
                  .str();
  p.hostBackend = backend == "host";
  if (!r.error.empty())
    return createStringError(inconvertibleErrorCode(), r.error);
  return p;
}

Expected<DeviceProfile> loadDeviceProfileFile(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return createStringError(inconvertibleErrorCode(),
                             formatv("cannot read device profile '{0}': {1}",
                                     path, buffer.getError().message()));
  return parseDeviceProfile((*buffer)->getBuffer(),
                            formatv("device profile '{0}'", path).str());
}

Expected<DeviceProfile> builtinDeviceProfile(StringRef name) {
  for (const auto &[stem, text] : builtinDeviceProfileTexts())
    if (name == stem)
      return parseDeviceProfile(
          text, formatv("built-in device profile '{0}'", name).str());
  return createStringError(
      inconvertibleErrorCode(),
      formatv("unknown device '{0}' (built-in: h100, h200, a100, cpu; or a "
              "profile file path as a string)",
              name));
}

std::vector<std::string> builtinDeviceProfileNames() {
  std::vector<std::string> names;
  for (const auto &entry : builtinDeviceProfileTexts())
    names.push_back(entry.first);
  return names;
}

} // namespace pipe::plan
