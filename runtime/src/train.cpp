// The training loop: one thread per (rank, replica) worker, a step barrier
// whose last arriver reduces and prints the loss and writes checkpoints, and
// runMain's error handling (and its hand-off to one process per worker under a
// launcher: train_process.cpp).
#include "train.h"

#include "backend.h"
#include "data.h"
#include "error.h"
#include "executor.h"
#include "run_report.h"
#include "trace.h"
#include "launch.h"
#include "pipert/pipert.h"
#include "outputs.h"
#include "profile.h"
#include "recipe.h"
#include "safetensors.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace pipert {
namespace {

/// A reusable barrier whose completion runs on the last arriving thread;
/// abort-aware.
class StepBarrier {
public:
  StepBarrier(int parties, ExecutionBackend &backend)
      : parties_(parties), backend_(backend) {}
  void arriveAndWait(const std::function<void()> &completion) {
    std::unique_lock<std::mutex> lock(mu_);
    if (++arrived_ == parties_) {
      arrived_ = 0;
      try {
        completion();
      } catch (...) {
        ++generation_;
        cv_.notify_all();
        throw;
      }
      ++generation_;
      cv_.notify_all();
      return;
    }
    uint64_t gen = generation_;
    while (generation_ == gen) {
      if (backend_.aborted())
        throw PeerFailed();
      cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
  }

private:
  int parties_;
  ExecutionBackend &backend_;
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  uint64_t generation_ = 0;
};

} // namespace

/// Fallback link estimate when no send was measured (one rank, or untimed
/// device copies): the host memcpy bandwidth of the largest cut, best of 5.
double hostCopyBandwidth(const ModelSpec &spec) {
  int64_t bytes = 1 << 20;
  for (int64_t b : spec.cellCutBytes)
    bytes = std::max(bytes, b);
  std::vector<char> from(static_cast<size_t>(bytes), 1),
      to(static_cast<size_t>(bytes));
  double best = 0;
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    std::memcpy(to.data(), from.data(), to.size());
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    if (s > 0)
      best = std::max(best, bytes / s);
  }
  return best;
}

static const char *precisionName(pipeops::DType t) {
  return t == pipeops::DType::BF16 ? "bf16" : "f32";
}

void validateSpec(const ModelSpec &spec) {
  auto bad = [](const std::string &what) {
    throw RuntimeError("internal error: " + what);
  };
  if (spec.ranks < 1 || spec.microbatches < 1 || spec.batch < 1 ||
      spec.dataParallel < 1)
    bad("ranks, microbatches, batch and dataParallel must be >= 1");
  if (spec.programs.size() != static_cast<size_t>(spec.ranks))
    bad("programs has " + std::to_string(spec.programs.size()) +
        " entries for " + std::to_string(spec.ranks) + " ranks");
  if (spec.stages.empty())
    bad("no stages");
  for (size_t s = 0; s < spec.stages.size(); ++s) {
    const StageSpec &st = spec.stages[s];
    std::string name = "stage " + std::to_string(s);
    if (st.rank < 0 || st.rank >= spec.ranks)
      bad(name + " is on rank " + std::to_string(st.rank));
    if (st.slots < 1 || st.slotBytes < 0 || st.scratchBytes < 0)
      bad(name + " has no slots or negative sizes");
    if (!st.forward || !st.backward)
      bad(name + " lacks a forward or backward function");
    if (s + 1 < spec.stages.size() &&
        st.gradInBytes != spec.stages[s + 1].actInBytes)
      bad(name + " gradInBytes differs from stage " + std::to_string(s + 1) +
          "'s actInBytes");
    auto inside = [&](int64_t off, int64_t bytes) {
      return off >= 0 && bytes >= 0 && off + bytes <= st.slotBytes;
    };
    int64_t outBytes =
        s + 1 < spec.stages.size() ? spec.stages[s + 1].actInBytes : 0;
    if (!inside(st.actInOffset, st.actInBytes) ||
        !inside(st.actOutOffset, outBytes) ||
        !inside(st.gradInOffset, st.gradInBytes) ||
        !inside(st.gradOutOffset, st.actInBytes))
      bad(name + " has a boundary buffer outside its slot");
  }
  for (size_t k = 0; k < spec.params.size(); ++k) {
    const ParamSpec &p = spec.params[k];
    if (p.stage < 0 || static_cast<size_t>(p.stage) >= spec.stages.size() ||
        p.elements < 0)
      bad("parameter " + p.name + " has a bad stage or size");
    if (p.tiedTo < 0)
      continue;
    const ParamSpec *owner =
        p.tiedTo < static_cast<int>(k) ? &spec.params[p.tiedTo] : nullptr;
    if (!owner || owner->tiedTo >= 0 || owner->name != p.name ||
        owner->elements != p.elements || owner->stage == p.stage)
      bad("tied copy " + p.name +
          " does not mirror an earlier parameter of "
          "the same name and size on another stage");
  }
  for (const InputSpec &in : spec.inputs)
    if (in.type == ElemType::I32 && in.vocab < 1)
      bad("input " + in.name + " has no vocabulary bound");
}

Checkpoint loadResume(const ModelSpec &spec, const Options &opts) {
  Checkpoint resume = loadCheckpoint(opts.resumeDir, spec.fingerprint);
  std::string path = checkpointPath(opts.resumeDir);
  if (resume.optimizer != spec.optimizer.kind)
    throw RuntimeError(path +
                       ": checkpoint was written with a different optimizer");
  std::map<std::string, size_t> byName;
  for (size_t i = 0; i < resume.tensors.size(); ++i)
    byName[resume.tensors[i].name] = i;
  for (const ParamSpec &p : spec.params) {
    auto it = byName.find(p.name);
    if (it == byName.end())
      throw RuntimeError(path + ": parameter " + p.name + " is missing");
    if (static_cast<int64_t>(resume.tensors[it->second].param.size()) !=
        p.elements)
      throw RuntimeError(
          path + ": parameter " + p.name + " has " +
          std::to_string(resume.tensors[it->second].param.size()) +
          " elements, the model " + std::to_string(p.elements));
  }
  return resume;
}

void printHeader(FILE *out, const ModelSpec &spec,
                 const ExecutionBackend &backend, const Options &opts,
                 int64_t resumedAt) {
  std::fprintf(
      out,
      "pipert: model %s (%s), backend %s, ranks %d, stages %zu, schedule %s, "
      "microbatches %d, batch %d, data_parallel %d, precision %s\n",
      spec.model.c_str(), spec.source.c_str(), backend.name().c_str(),
      spec.ranks, spec.stages.size(), spec.schedule.c_str(), spec.microbatches,
      spec.batch, spec.dataParallel, precisionName(spec.precision));
  std::fprintf(out, "pipert: devices %s\n", backend.devices().c_str());
  if (resumedAt >= 0)
    std::fprintf(out, "pipert: resumed from %s at step %lld\n",
                 opts.resumeDir.c_str(), static_cast<long long>(resumedAt));
  std::fflush(out);
}

CheckpointTensor readTensor(const ModelSpec &spec, StageRunner &owner, int k) {
  CheckpointTensor t;
  t.name = spec.params[k].name;
  size_t n = static_cast<size_t>(spec.params[k].elements);
  t.param.resize(n);
  bool adam = spec.optimizer.kind == OptimizerKind::AdamW;
  if (adam || spec.optimizer.momentum != 0.0f)
    t.m.resize(n);
  if (adam)
    t.v.resize(n);
  owner.readParam(k, t.param.data(), t.m.empty() ? nullptr : t.m.data(),
                  t.v.empty() ? nullptr : t.v.data());
  return t;
}

void loadParams(const ModelSpec &spec, const Checkpoint &resume,
                StageRunner &runner) {
  for (size_t k = 0; k < spec.params.size(); ++k)
    if (runner.ownsParam(static_cast<int>(k)))
      for (const CheckpointTensor &t : resume.tensors)
        if (t.name == spec.params[k].name)
          runner.writeParam(static_cast<int>(k), t.param.data(),
                            t.m.empty() ? nullptr : t.m.data(),
                            t.v.empty() ? nullptr : t.v.data());
}

TrainResult runTraining(const ModelSpec &spec, const Options &opts, FILE *out) {
  validateSpec(spec);
  bool cuda = opts.backend == BackendChoice::Cuda ||
              (opts.backend == BackendChoice::Auto && cudaBackendUsable());
  DataSource data(spec);
  std::unique_ptr<DataSource> evalData;
  if (spec.train.eval != DataKind::Synthetic)
    evalData = std::make_unique<DataSource>(spec, spec.train.eval,
                                            spec.train.evalFile);
  bool resuming = !opts.resumeDir.empty();
  Checkpoint resume = resuming ? loadResume(spec, opts) : Checkpoint();
  std::vector<std::vector<float>> init;
  if (!opts.initFile.empty())
    init = readSafetensors(opts.initFile, spec);
  OutputClaim outputs(opts); // before the first step, held to the end
  std::unique_ptr<ExecutionBackend> backend =
      cuda ? makeCudaBackend(spec, opts) : makeHostBackend(spec, opts);

  const int R = spec.ranks, D = spec.dataParallel, workers = R * D;
  const int64_t G = static_cast<int64_t>(spec.microbatches) * spec.batch * D;
  const int64_t firstStep = resuming ? resume.step : 0;
  const int64_t lastStep =
      firstStep + (opts.steps > 0 ? opts.steps : spec.train.steps);
  data.setSampleOffset(resuming ? resume.samplesConsumed - firstStep * G : 0);

  printHeader(out, spec, *backend, opts, resuming ? firstStep : -1);

  std::vector<StageRunner *> runners(workers,
                                     nullptr); // index replica * R + rank
  std::vector<CellProfile> profiles(workers,
                                    CellProfile(spec.cellCutBytes.size()));
  std::vector<Transport *> transports(workers, nullptr);
  TrainResult result;
  RunMeasures measures;
  measures.peakBytes.assign(R, 0);
  StepBarrier barrier(workers, *backend);
  std::mutex errorMu;
  std::string firstError;
  auto stepStart = std::chrono::steady_clock::now();

  auto gather = [&](int64_t step) {
    Checkpoint c;
    c.fingerprint = spec.fingerprint;
    c.step = step;
    c.samplesConsumed = data.firstSample(step, 0, 0);
    c.optimizer = spec.optimizer.kind;
    for (size_t k = 0; k < spec.params.size(); ++k)
      if (spec.params[k].tiedTo < 0) // a tied copy equals its owner
        c.tensors.push_back(
            readTensor(spec, *runners[spec.stages[spec.params[k].stage].rank],
                       static_cast<int>(k)));
    return c;
  };

  const int lossRank = spec.stages.back().rank;
  auto lossSum = [&] { // replica by replica, micro-batch by micro-batch
    double sum = 0;
    for (int d = 0; d < D; ++d)
      for (float l : runners[d * R + lossRank]->losses())
        sum += l;
    return sum;
  };
  auto endOfStep = [&](int64_t step) { // runs with every worker waiting
    double loss = lossSum() / (static_cast<double>(D) * spec.microbatches);
    result.losses.push_back(loss);
    result.norms.push_back(runners[0]->gradNorm());
    auto now = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(now - stepStart).count();
    stepStart = now;
    measures.stepUs.push_back(seconds * 1e6);
    int64_t done = step + 1;
    if (done == lastStep) {
      for (int r = 0; r < R; ++r)
        measures.peakBytes[r] = runners[r]->peakBytes();
      if (!opts.traceFile.empty()) {
        std::vector<TraceSlices> slices;
        for (int r = 0; r < R; ++r) // replica 0's ranks
          slices.push_back(runners[r]->traceSlices());
        writeTrace(opts.traceFile, spec, slices);
      }
    }
    if (done % spec.train.logEvery == 0 || done == lastStep)
      printStepLine(out, spec, done, loss, stepLr(spec, done, lastStep),
                    runners[0]->gradNorm(), seconds);
    if (!opts.checkpointDir.empty() &&
        (done == lastStep ||
         (opts.checkpointEvery && done % opts.checkpointEvery == 0)))
      saveCheckpoint(opts.checkpointDir, gather(done));
    if (done == lastStep) {
      result.final = gather(done);
      if (!opts.exportFile.empty())
        writeExport(opts.exportFile, spec, result.final);
    }
  };
  double evalSum = 0;
  // Every worker runs the eval batches; the last arriver of each adds its
  // losses, and of the last one prints the mean.
  auto runEval = [&](StageRunner &runner, int64_t done) {
    const int64_t batches = spec.train.evalBatches;
    for (int64_t b = 0; b < batches; ++b) {
      runner.runEval(*evalData, b);
      barrier.arriveAndWait([&] {
        evalSum += lossSum();
        if (b + 1 < batches)
          return;
        double mean =
            evalSum / (static_cast<double>(batches) * D * spec.microbatches);
        evalSum = 0;
        result.evalLosses.push_back(mean);
        printEvalLine(out, done, mean);
      });
    }
  };

  auto work = [&](int rank, int replica) {
    int id = replica * R + rank;
    WorkerResources
        res; // outlives the runner, whose buffers live on res.device
    std::unique_ptr<StageRunner> runner;
    try {
      res = backend->makeWorker(rank, replica);
      runner = std::make_unique<StageRunner>(
          spec, rank, replica, *res.device, *res.transport, res.ctx,
          opts.profileFile.empty() ? nullptr : &profiles[id]);
      runner->setTracing(!opts.traceFile.empty());
      if (resuming)
        loadParams(spec, resume, *runner);
      else if (!init.empty())
        loadInit(spec, init, *runner);
      else
        runner->initialise(spec.train.seed);
      runners[id] = runner.get();
      transports[id] = res.transport.get();
      barrier.arriveAndWait(
          [&] { stepStart = std::chrono::steady_clock::now(); });
      if (evalDue(spec.train, firstStep, firstStep, lastStep))
        runEval(*runner, firstStep);
      for (int64_t t = firstStep; t < lastStep; ++t) {
        runner->runStep(data, t, t + 1, stepLr(spec, t + 1, lastStep));
        barrier.arriveAndWait([&] { endOfStep(t); });
        if (evalDue(spec.train, t + 1, firstStep, lastStep))
          runEval(*runner, t + 1);
      }
      barrier.arriveAndWait([&] {
        if (opts.profileFile.empty())
          return;
        CellProfile total(spec.cellCutBytes.size());
        double bandwidth = 0;
        for (int r = 0; r < R; ++r) // replica 0 measures every cell once
          total.merge(profiles[r]);
        for (Transport *tr : transports)
          bandwidth = std::max(bandwidth, tr->bandwidth());
        if (bandwidth == 0)
          bandwidth = hostCopyBandwidth(spec);
        writeProfile(opts.profileFile, spec, total, bandwidth);
      });
    } catch (const PeerFailed &) {
    } catch (const std::exception &e) {
      std::string msg = e.what();
      if (msg.rfind("rank ", 0) != 0 && !dynamic_cast<const RuntimeError *>(&e))
        msg = "rank " + std::to_string(rank) + ": " + msg;
      {
        std::lock_guard<std::mutex> lock(errorMu);
        if (firstError.empty())
          firstError = msg;
      }
      if (!backend->abortWakesPeers()) {
        std::lock_guard<std::mutex> lock(errorMu); // one line, then the end
        std::fflush(out);
        std::fprintf(stderr, "error: %s\n", firstError.c_str());
        std::fflush(stderr);
        std::_Exit(1);
      }
      backend->abort();
    }
    runners[id] = nullptr;
  };

  std::vector<std::thread> threads;
  for (int d = 0; d < D; ++d)
    for (int r = 0; r < R; ++r)
      threads.emplace_back(work, r, d);
  for (std::thread &t : threads)
    t.join();
  if (!firstError.empty())
    throw RuntimeError(firstError);
  if (!measures.stepUs.empty())
    printRunReport(out, spec, measures);
  return result;
}

int runMain(const ModelSpec &spec, int argc, char **argv) {
  try {
    for (int i = 1; i < argc; ++i) // before any launch: no MPI for --help
      if (std::strcmp(argv[i], "--help") == 0 ||
          std::strcmp(argv[i], "-h") == 0) {
        printUsage(stdout, argc > 0 ? argv[0] : "program", spec);
        return 0;
      }
    Launch launch = detectLaunch();
    if (launch.multiProcess())
      return runProcesses(spec, argc, argv, launch);
    Options opts = parseOptions(argc, argv);
    runTraining(spec, opts, stdout);
    return 0;
  } catch (const std::exception &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

} // namespace pipert
