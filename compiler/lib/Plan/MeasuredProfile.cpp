//===- MeasuredProfile.cpp - Reading `--profile` files --------------------===//
#include "pipe/Plan/MeasuredProfile.h"

#include "pipe/Plan/JsonDepth.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace pipe::plan {

/// The longest time a profile may give one cell, in microseconds.
constexpr double kMaxCellUs = 1e12;

static Error profileError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message.str());
}

Error applyMeasuredProfile(StringRef text, StringRef what,
                           std::vector<CellCost> &cells) {
  if (Error deep = checkJsonDepth(text, what))
    return deep;
  Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return profileError(
        formatv("{0}: invalid JSON: {1}", what, toString(parsed.takeError())));
  const json::Object *root = parsed->getAsObject();
  const json::Array *list = root ? root->getArray("cells") : nullptr;
  if (!list)
    return profileError(
        formatv("{0}: expected an object with a \"cells\" array", what));
  if (list->size() != cells.size())
    return profileError(formatv("{0} has {1} cells, the model has {2}", what,
                                list->size(), cells.size()));
  std::vector<CellCost> updated = cells;
  for (size_t i = 0; i < list->size(); ++i) {
    const json::Object *entry = (*list)[i].getAsObject();
    if (!entry)
      return profileError(formatv("{0}: cell {1} is not an object", what, i));
    const char *keys[] = {"fwd_us", "bwd_us", "wgrad_us", "send_us"};
    double *slots[] = {&updated[i].fwdUs, &updated[i].bwdUs,
                       &updated[i].wgradUs, &updated[i].sendUs};
    for (int k = 0; k < 4; ++k) {
      const json::Value *v = entry->get(keys[k]);
      if (!v)
        return profileError(
            formatv("{0}: cell {1}: field '{2}' is missing", what, i, keys[k]));
      std::optional<double> d = v->getAsNumber();
      if (!d || !(*d >= 0) || *d == std::numeric_limits<double>::infinity())
        return profileError(
            formatv("{0}: cell {1}: field '{2}' must be a non-negative number",
                    what, i, keys[k]));
      // Sums over cells and micro-batches must stay finite and exact enough
      // to compare: 1e12 us is eleven days for one cell.
      if (*d > kMaxCellUs)
        return profileError(
            formatv("{0}: cell {1}: field '{2}' is more than 1e12 us", what, i,
                    keys[k]));
      *slots[k] = *d;
    }
  }
  cells = std::move(updated);
  return Error::success();
}

Error applyMeasuredProfileFile(StringRef path, std::vector<CellCost> &cells) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buffer)
    return profileError(formatv("cannot read profile '{0}': {1}", path,
                                buffer.getError().message()));
  return applyMeasuredProfile((*buffer)->getBuffer(),
                              formatv("profile '{0}'", path).str(), cells);
}

} // namespace pipe::plan
