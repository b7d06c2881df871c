// runMain under mpirun/srun: one process per (rank, replica) worker. World rank
// w runs pipeline rank w mod ranks of replica w / ranks. Checks every process
// makes alike are agreed on (the lowest failing rank prints the one `error:`
// line, all exit 1); a failure after that prints "error: rank R: ..." and ends
// the whole job (MPI_Abort). World rank 0 alone prints the header and step
// lines, gathers the step losses (summed in the threaded order, so the numbers
// are the same), writes checkpoints in the threaded runtime's single-file
// format (parameters gathered from the replica-0 processes, so a checkpoint
// resumes under any strategy and either mode), and writes --profile from the
// replica-0 processes' measurements.
#include "backend.h"
#include "data.h"
#include "error.h"
#include "executor.h"
#include "run_report.h"
#include "trace.h"
#include "launch.h"
#include "mpi_world.h"
#include "options.h"
#include "outputs.h"
#include "profile.h"
#include "recipe.h"
#include "safetensors.h"
#include "train.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

namespace pipert {
namespace {

template <typename T> void putValue(std::string &out, const T &v) {
  out.append(reinterpret_cast<const char *>(&v), sizeof(T));
}
template <typename T> T getValue(const std::string &in, size_t &pos) {
  T v;
  std::memcpy(&v, in.data() + pos, sizeof(T));
  pos += sizeof(T);
  return v;
}
void putFloats(std::string &out, const std::vector<float> &v) {
  out.append(reinterpret_cast<const char *>(v.data()),
             v.size() * sizeof(float));
}
void getFloats(const std::string &in, size_t &pos, std::vector<float> &v) {
  std::memcpy(v.data(), in.data() + pos, v.size() * sizeof(float));
  pos += v.size() * sizeof(float);
}

/// Collective: the checkpoint after `step` steps at world rank 0 (empty tensors
/// elsewhere). Replica 0's processes (world ranks 0..ranks-1) send every
/// parameter they own.
Checkpoint gatherCheckpoint(const ModelSpec &spec, MpiWorld &world,
                            StageRunner &runner, const DataSource &data,
                            int64_t step) {
  std::string mine;
  if (runner.replica() == 0)
    for (size_t k = 0; k < spec.params.size(); ++k)
      if (runner.ownsParam(static_cast<int>(k))) {
        CheckpointTensor t = readTensor(spec, runner, static_cast<int>(k));
        putValue(mine, static_cast<uint32_t>(k));
        putFloats(mine, t.param);
        putFloats(mine, t.m);
        putFloats(mine, t.v);
      }
  std::vector<std::string> all = world.gather(mine, 0);
  Checkpoint c;
  if (world.rank() != 0)
    return c;
  c.fingerprint = spec.fingerprint;
  c.step = step;
  c.samplesConsumed = data.firstSample(step, 0, 0);
  c.optimizer = spec.optimizer.kind;
  std::vector<CheckpointTensor> byIndex(spec.params.size());
  bool adam = spec.optimizer.kind == OptimizerKind::AdamW;
  bool momentum = adam || spec.optimizer.momentum != 0.0f;
  for (int r = 0; r < spec.ranks; ++r)
    for (size_t pos = 0; pos < all[r].size();) {
      uint32_t k = getValue<uint32_t>(all[r], pos);
      CheckpointTensor &t = byIndex.at(k);
      size_t n = static_cast<size_t>(spec.params[k].elements);
      t.name = spec.params[k].name;
      t.param.resize(n);
      t.m.resize(momentum ? n : 0);
      t.v.resize(adam ? n : 0);
      getFloats(all[r], pos, t.param);
      getFloats(all[r], pos, t.m);
      getFloats(all[r], pos, t.v);
    }
  for (size_t k = 0; k < byIndex.size(); ++k)
    if (byIndex[k].name.empty())
      throw RuntimeError("internal error: no process holds parameter " +
                         spec.params[k].name);
  for (size_t k = 0; k < byIndex.size(); ++k)
    if (spec.params[k].tiedTo < 0) // a tied copy equals its owner
      c.tensors.push_back(std::move(byIndex[k]));
  return c;
}

/// Collective: world rank 0 writes --profile from the replica-0 processes' cell
/// times and the best bandwidth any process measured.
void gatherProfile(const ModelSpec &spec, const Options &opts, MpiWorld &world,
                   const CellProfile &profile, double bandwidth) {
  std::string mine;
  putValue(mine, bandwidth);
  for (const CellProfile::Cell &c : profile.cells)
    putValue(mine, c);
  std::vector<std::string> all = world.gather(mine, 0);
  if (world.rank() != 0)
    return;
  CellProfile total(spec.cellCutBytes.size());
  double best = 0;
  for (int w = 0; w < world.size(); ++w) {
    size_t pos = 0;
    best = std::max(best, getValue<double>(all[w], pos));
    CellProfile one(spec.cellCutBytes.size());
    for (CellProfile::Cell &c : one.cells)
      c = getValue<CellProfile::Cell>(all[w], pos);
    if (w < spec.ranks) // replica 0 measures every cell once
      total.merge(one);
  }
  writeProfile(opts.profileFile, spec, total,
               best > 0 ? best : hostCopyBandwidth(spec));
}

} // namespace

int runProcesses(const ModelSpec &spec, int argc, char **argv,
                 const Launch &launch) {
  std::unique_ptr<MpiWorld> world;
  try {
    world = startMpi(launch);
  } catch (const std::exception &e) {
    if (launch.rank == 0) // every process fails alike; one line
      std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  const int R = spec.ranks, D = spec.dataParallel, w = world->rank();
  const int rank = w % std::max(R, 1), replica = w / std::max(R, 1);

  // Checks every process makes alike, agreed on so that exactly one line is
  // printed.
  Options opts;
  std::unique_ptr<DataSource> data, evalData;
  std::vector<std::vector<float>> init;
  Checkpoint resume;
  std::unique_ptr<OutputClaim> outputs; // world rank 0 writes them
  bool resuming = false, cuda = false;
  std::string problem;
  try {
    opts = parseOptions(argc, argv);
    validateSpec(spec);
    if (world->size() != R * D)
      throw RuntimeError(
          launch.launcher + " started " + std::to_string(world->size()) +
          " processes, but this program runs one per worker: ranks x "
          "data_parallel = " +
          std::to_string(R) + " x " + std::to_string(D) + " = " +
          std::to_string(R * D));
    data = std::make_unique<DataSource>(spec);
    if (spec.train.eval != DataKind::Synthetic)
      evalData = std::make_unique<DataSource>(spec, spec.train.eval,
                                              spec.train.evalFile);
    resuming = !opts.resumeDir.empty();
    if (resuming)
      resume = loadResume(spec, opts);
    if (!opts.initFile.empty())
      init = readSafetensors(opts.initFile, spec);
    if (w == 0)
      outputs = std::make_unique<OutputClaim>(opts);
    cuda = opts.backend == BackendChoice::Cuda ||
           (opts.backend == BackendChoice::Auto && cudaBackendUsable());
  } catch (const std::exception &e) {
    problem = e.what();
  }
  int failing = world->lowestFailing(!problem.empty());
  if (failing >= 0) {
    if (failing == w)
      std::fprintf(stderr, "error: %s\n", problem.c_str());
    return 1;
  }
  cuda = world->all(
      cuda); // --backend=auto: cuda only when every process sees a GPU

  const int64_t G = static_cast<int64_t>(spec.microbatches) * spec.batch * D;
  const int64_t firstStep = resuming ? resume.step : 0;
  const int64_t lastStep =
      firstStep + (opts.steps > 0 ? opts.steps : spec.train.steps);
  data->setSampleOffset(resuming ? resume.samplesConsumed - firstStep * G : 0);
  const int lossHolder = spec.stages.back().rank;
  // Declared outside the try, so that an error is reported and the job
  // aborted before they are destroyed: on cuda, freeing device memory or a
  // communicator waits for the GPU, which may wait on a peer that will never
  // come.
  std::unique_ptr<ExecutionBackend> backend;
  WorkerResources res; // outlives the runner
  CellProfile profile(spec.cellCutBytes.size());
  std::unique_ptr<StageRunner> owned;
  try {
    backend = cuda ? makeCudaProcessBackend(spec, opts, *world)
                   : makeHostProcessBackend(spec, opts, *world);
    res = backend->makeWorker(rank, replica);
    owned = std::make_unique<StageRunner>(
        spec, rank, replica, *res.device, *res.transport, res.ctx,
        opts.profileFile.empty() ? nullptr : &profile);
    StageRunner &runner = *owned;
    runner.setTracing(!opts.traceFile.empty());
    if (resuming)
      loadParams(spec, resume, runner);
    else if (!init.empty())
      loadInit(spec, init, runner);
    else
      runner.initialise(spec.train.seed);
    resume = Checkpoint(); // free the host copies
    init.clear();
    if (w == 0)
      printHeader(stdout, spec, *backend, opts, resuming ? firstStep : -1);
    // Collective: the loss sum of the last step or eval batch at world rank 0,
    // replica by replica, micro-batch by micro-batch (the threaded order).
    auto gatherLossSum = [&] {
      std::string losses;
      if (runner.holdsLoss())
        putFloats(losses, runner.losses());
      std::vector<std::string> all = world->gather(losses, 0);
      double sum = 0;
      if (w == 0)
        for (int d = 0; d < D; ++d) {
          std::vector<float> l(static_cast<size_t>(spec.microbatches));
          size_t pos = 0;
          getFloats(all[d * R + lossHolder], pos, l);
          for (float x : l)
            sum += x;
        }
      return sum;
    };
    auto runEval = [&](int64_t done) {
      double sum = 0;
      for (int64_t b = 0; b < spec.train.evalBatches; ++b) {
        runner.runEval(*evalData, b);
        sum += gatherLossSum();
      }
      if (w == 0)
        printEvalLine(stdout, done,
                      sum / (static_cast<double>(spec.train.evalBatches) * D *
                             spec.microbatches));
    };
    if (evalDue(spec.train, firstStep, firstStep, lastStep))
      runEval(firstStep);
    RunMeasures measures;
    auto stepStart = std::chrono::steady_clock::now();
    for (int64_t t = firstStep; t < lastStep; ++t) {
      runner.runStep(*data, t, t + 1, stepLr(spec, t + 1, lastStep));
      double sum = gatherLossSum();
      int64_t done = t + 1;
      if (w == 0) {
        double loss = sum / (static_cast<double>(D) * spec.microbatches);
        auto now = std::chrono::steady_clock::now();
        double seconds = std::chrono::duration<double>(now - stepStart).count();
        stepStart = now;
        measures.stepUs.push_back(seconds * 1e6);
        if (done % spec.train.logEvery == 0 || done == lastStep)
          printStepLine(stdout, spec, done, loss, stepLr(spec, done, lastStep),
                        runner.gradNorm(), seconds);
      }
      bool save = !opts.checkpointDir.empty() &&
                  (done == lastStep ||
                   (opts.checkpointEvery && done % opts.checkpointEvery == 0));
      bool exporting = done == lastStep && !opts.exportFile.empty();
      if (save || exporting) {
        Checkpoint c = gatherCheckpoint(spec, *world, runner, *data, done);
        if (w == 0 && save)
          saveCheckpoint(opts.checkpointDir, c);
        if (w == 0 && exporting)
          writeExport(opts.exportFile, spec, c);
      }
      if (evalDue(spec.train, done, firstStep, lastStep))
        runEval(done);
    }
    if (!opts.profileFile.empty())
      gatherProfile(spec, opts, *world, profile, res.transport->bandwidth());
    std::vector<std::string> peaks =
        world->gather(std::to_string(runner.peakBytes()), 0);
    if (!opts.traceFile.empty()) {
      std::vector<std::string> all =
          world->gather(encodeTraceSlices(runner.traceSlices()), 0);
      if (w == 0) {
        std::vector<TraceSlices> slices;
        for (int r = 0; r < R; ++r)
          slices.push_back(decodeTraceSlices(all[r]));
        writeTrace(opts.traceFile, spec, slices);
      }
    }
    if (w == 0 && !measures.stepUs.empty()) {
      for (int r = 0; r < R; ++r) // replica 0's ranks
        measures.peakBytes.push_back(std::stoll(peaks[r]));
      printRunReport(stdout, spec, measures);
    }
  } catch (const std::exception &e) {
    std::string msg = e.what();
    if (msg.rfind("rank ", 0) != 0)
      msg = "rank " + std::to_string(rank) +
            (D > 1 ? " (replica " + std::to_string(replica) + ")" : "") + ": " +
            msg;
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", msg.c_str());
    std::fflush(stderr);
    world->abortAll(1);
  }
  return 0;
}

} // namespace pipert
