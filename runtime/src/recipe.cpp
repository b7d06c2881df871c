// The training recipe around the steps: lr, eval points, output lines,
// --init and --export.
#include "recipe.h"

#include "error.h"
#include "executor.h"
#include "lr_schedule.h"
#include "safetensors.h"

namespace pipert {

float stepLr(const ModelSpec &spec, int64_t t, int64_t last) {
  return static_cast<float>(
      scheduledLr(spec.train, spec.optimizer.lr, t, last));
}

bool evalDue(const TrainSpec &train, int64_t done, int64_t first,
             int64_t last) {
  if (train.eval == DataKind::Synthetic)
    return false;
  if (done == first)
    return done == 0;
  return done % train.evalEvery == 0 || done == last;
}

void printStepLine(FILE *out, const ModelSpec &spec, int64_t done, double loss,
                   double lr, double norm, double seconds) {
  int64_t G =
      static_cast<int64_t>(spec.microbatches) * spec.batch * spec.dataParallel;
  double rate = (spec.tokensPerSample ? G * spec.tokensPerSample : G) / seconds;
  std::fprintf(out, "step %lld loss %.7g lr %.4e", static_cast<long long>(done),
               loss, lr);
  if (spec.train.clipGrad > 0)
    std::fprintf(out, " norm %.6g", norm);
  std::fprintf(out, " %s %.1f\n",
               spec.tokensPerSample ? "tokens/s" : "samples/s", rate);
  std::fflush(out);
}

void printEvalLine(FILE *out, int64_t done, double loss) {
  std::fprintf(out, "step %lld eval %.7g\n", static_cast<long long>(done),
               loss);
  std::fflush(out);
}

void loadInit(const ModelSpec &spec,
              const std::vector<std::vector<float>> &values,
              StageRunner &runner) {
  for (size_t k = 0; k < spec.params.size(); ++k)
    if (runner.ownsParam(static_cast<int>(k)))
      runner.writeParam(static_cast<int>(k), values[k].data(), nullptr,
                        nullptr);
}

void writeExport(const std::string &file, const ModelSpec &spec,
                 const Checkpoint &gathered) {
  // The gathered checkpoint holds each tied table once (its owner's entry);
  // a copy's values are its owner's.
  std::vector<const std::vector<float> *> values;
  size_t next = 0;
  for (const ParamSpec &p : spec.params) {
    if (p.tiedTo >= 0) {
      values.push_back(values[p.tiedTo]);
      continue;
    }
    if (next == gathered.tensors.size())
      break;
    values.push_back(&gathered.tensors[next++].param);
  }
  if (values.size() != spec.params.size() || next != gathered.tensors.size())
    throw RuntimeError("internal error: --export gathered " +
                       std::to_string(gathered.tensors.size()) +
                       " tensors for " + std::to_string(spec.params.size()) +
                       " parameters");
  writeSafetensors(file, spec, values);
}

} // namespace pipert
