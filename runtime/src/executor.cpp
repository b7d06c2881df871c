// The executor: allocates one (rank, replica)'s buffers up front and runs its
// program for a step, copying same-rank boundaries itself; its slots and the
// transfers it posts are in executor_slots.cpp, the update in
// executor_update.cpp.
#include "executor.h"

#include "error.h"
#include "init.h"

#include <algorithm>
#include <cmath>

namespace pipert {
namespace {

constexpr int64_t kParamAlignFloats =
    64; // 256 bytes: every parameter starts aligned

bool isComm(ActionKind k) { return k >= ActionKind::SendAct; }

const char *kindName(ActionKind k) {
  static const char *names[] = {"F",       "B",        "W",       "SendAct",
                                "RecvAct", "SendGrad", "RecvGrad"};
  return names[static_cast<int>(k)];
}

} // namespace

StageRunner::StageRunner(const ModelSpec &spec, int rank, int replica,
                         Device &device, Transport &transport,
                         const pipeops::Context &ctx, CellProfile *profile)
    : spec_(spec), rank_(rank), replica_(replica), device_(device),
      transport_(transport), ctx_(ctx), profile_(profile) {
  int S = static_cast<int>(spec.stages.size()), M = spec.microbatches;
  holdsLoss_ = spec.stages.back().rank == rank;
  local_.resize(S);
  // One scratch for all of the rank's stages: it runs one action at a time.
  int64_t scratchBytes = 0;
  for (const StageSpec &st : spec.stages)
    if (st.rank == rank)
      scratchBytes = std::max(scratchBytes, st.scratchBytes);
  scratch_ = static_cast<std::byte *>(allocate(scratchBytes));
  for (int s = 0; s < S; ++s) {
    const StageSpec &st = spec.stages[s];
    if (st.rank != rank)
      continue;
    LocalStage &l = local_[s];
    l.arena = static_cast<std::byte *>(allocate(st.slots * st.slotBytes));
    l.scratch = scratch_;
    for (int i = st.slots - 1; i >= 0; --i)
      l.freeSlots.push_back(i);
    l.slotOfMb.assign(M, -1);
    l.sendOfMb.assign(M, 0);
    l.actInOfMb.assign(M, 0);
    l.gradInOfMb.assign(M, 0);
  }
  const std::vector<Action> &program = spec.programs[rank];
  lastUse_.assign(static_cast<size_t>(S) * M, -1);
  evalLastUse_.assign(static_cast<size_t>(S) * M, -1);
  for (size_t i = 0; i < program.size(); ++i) {
    const Action &a = program[i];
    if (a.stage < 0 || a.stage >= S || spec.stages[a.stage].rank != rank ||
        a.mb < 0 || a.mb >= M)
      throw RuntimeError("rank " + std::to_string(rank) + ": program action " +
                         std::to_string(i) + " (" + kindName(a.kind) +
                         " stage " + std::to_string(a.stage) + ", mb " +
                         std::to_string(a.mb) +
                         ") does not belong to this rank");
    lastUse_[a.stage * M + a.mb] = static_cast<int>(i);
    if (a.kind != ActionKind::F && a.kind != ActionKind::SendAct &&
        a.kind != ActionKind::RecvAct)
      continue;
    // Forwards only: a slot lives until its last forward use, which for a
    // same-rank next stage is that stage's F (it copies the boundary).
    int e = static_cast<int>(evalProgram_.size());
    evalProgram_.push_back(a);
    evalLastUse_[a.stage * M + a.mb] = e;
    if (a.kind == ActionKind::F && a.stage > 0 &&
        spec.stages[a.stage - 1].rank == rank)
      evalLastUse_[(a.stage - 1) * M + a.mb] = e;
  }

  paramOffset_.assign(spec.params.size(), -1);
  for (size_t k = 0; k < spec.params.size(); ++k)
    if (spec.stages[spec.params[k].stage].rank == rank) {
      paramOffset_[k] = paramFloats_;
      paramFloats_ += (spec.params[k].elements + kParamAlignFloats - 1) /
                      kParamAlignFloats * kParamAlignFloats;
    }
  // Each tied copy held here has a buffer for the owner's gradient (the plan
  // counts it with the copy's state, wherever the owner is).
  tiedScratch_.assign(spec.params.size(), nullptr);
  for (size_t k = 0; k < spec.params.size(); ++k) {
    const ParamSpec &p = spec.params[k];
    if (p.tiedTo >= 0 && spec.stages[p.stage].rank == rank)
      tiedScratch_[k] =
          static_cast<float *>(allocate(static_cast<int64_t>(p.elements) * 4));
  }
  size_t bytes = static_cast<size_t>(paramFloats_) * 4;
  master_ = static_cast<float *>(allocate(bytes));
  grads_ = static_cast<float *>(allocate(bytes));
  bool adam = spec.optimizer.kind == OptimizerKind::AdamW;
  if (adam || spec.optimizer.momentum != 0.0f)
    m_ = static_cast<float *>(allocate(bytes));
  if (adam)
    v_ = static_cast<float *>(allocate(bytes));
  working_ = master_;
  if (ctx.backend == pipeops::Backend::Cuda &&
      ctx.dtype == pipeops::DType::BF16)
    working_ = allocate(paramFloats_ * 2);

  size_t inputBytes = 0;
  for (const InputSpec &in : spec.inputs) {
    int64_t n = spec.batch * 4;
    for (int64_t d : in.sampleDims)
      n *= d;
    inputBytes += (n + 255) / 256 * 256;
  }
  auto *inputArena =
      static_cast<std::byte *>(allocate(static_cast<int64_t>(inputBytes) * M));
  for (int mb = 0; mb < M; ++mb) {
    std::byte *p = inputArena + inputBytes * mb;
    for (const InputSpec &in : spec.inputs) {
      inputs_.push_back(p);
      int64_t n = spec.batch * 4;
      for (int64_t d : in.sampleDims)
        n *= d;
      p += (n + 255) / 256 * 256;
    }
  }
  losses_ = static_cast<float *>(allocate(M * int64_t(sizeof(float))));
  hostLosses_.assign(M, 0.0f);
  if (spec.train.clipGrad > 0 && !spec.params.empty()) {
    norms_ = static_cast<float *>(
        allocate(static_cast<int64_t>(spec.params.size() * sizeof(float))));
    hostNorms_.assign(spec.params.size(), 0.0f);
  }
  openMarks_.assign(spec.cellCutBytes.size(), -1);
}

StageRunner::~StageRunner() {
  transport_.cancel(); // a failed step may leave transfers on our slots
  for (LocalStage &l : local_)
    if (l.arena)
      device_.release(l.arena);
  if (scratch_)
    device_.release(scratch_);
  if (working_ != master_)
    device_.release(working_);
  for (float *p : {master_, grads_, m_, v_})
    if (p)
      device_.release(p);
  for (float *p : tiedScratch_)
    if (p)
      device_.release(p);
  if (!inputs_.empty() && inputs_[0])
    device_.release(inputs_[0]);
  if (losses_)
    device_.release(losses_);
  if (norms_)
    device_.release(norms_);
}

void *StageRunner::allocate(int64_t bytes) {
  if (bytes <= 0)
    return nullptr;
  void *p = device_.allocate(static_cast<size_t>(bytes));
  // What the device hands out: 256-byte multiples (device.h).
  heldBytes_ += (bytes + 255) / 256 * 256;
  peakBytes_ = std::max(peakBytes_, heldBytes_);
  return p;
}

const void *StageRunner::input(int mb, int i) const {
  return inputs_[static_cast<size_t>(mb) * spec_.inputs.size() + i];
}

void *StageRunner::param(int k) const {
  if (k < 0 || static_cast<size_t>(k) >= paramOffset_.size() ||
      paramOffset_[k] < 0)
    throw RuntimeError("rank " + std::to_string(rank_) + ": parameter " +
                       std::to_string(k) + " is not held by this rank");
  if (working_ == master_)
    return master_ + paramOffset_[k];
  return static_cast<uint16_t *>(working_) + paramOffset_[k];
}

float *StageRunner::grad(int k) const {
  param(k); // ownership check
  return grads_ + paramOffset_[k];
}

void StageRunner::beginCell(int cell, ActionKind) {
  if (profile_ && cell >= 0 && static_cast<size_t>(cell) < openMarks_.size())
    openMarks_[cell] = device_.mark();
}

void StageRunner::endCell(int cell, ActionKind kind) {
  if (!profile_)
    return;
  if (cell < 0 || static_cast<size_t>(cell) >= openMarks_.size() ||
      openMarks_[cell] < 0)
    throw RuntimeError("rank " + std::to_string(rank_) + ": endCell(" +
                       std::to_string(cell) + ") without beginCell");
  pendingMarks_.push_back({cell, kind, openMarks_[cell], device_.mark()});
  openMarks_[cell] = -1;
}

void StageRunner::compute(const Action &a) {
  const StageSpec &st = stageSpec(a.stage);
  StageFn fn = a.kind == ActionKind::F   ? st.forward
               : a.kind == ActionKind::B ? st.backward
                                         : st.wgrad;
  if (!fn)
    throw RuntimeError("rank " + std::to_string(rank_) + ": stage " +
                       std::to_string(a.stage) + " has no " + kindName(a.kind) +
                       " function");
  std::byte *slot;
  if (a.kind == ActionKind::F) {
    slot = acquireSlot(a.stage, a.mb);
    if (a.stage > 0 && stageSpec(a.stage - 1).rank == rank_)
      pipeops::copy_bytes(ctx_, slot + st.actInOffset,
                          slotOf(a.stage - 1, a.mb) +
                              stageSpec(a.stage - 1).actOutOffset,
                          static_cast<size_t>(st.actInBytes));
  } else {
    slot = slotOf(a.stage, a.mb);
  }
  float lossScale =
      1.0f / (static_cast<float>(spec_.microbatches) * spec_.dataParallel);
  StageFrame frame{ctx_,      a.stage,        a.mb,
                   a.kind,    slot,           local_[a.stage].scratch,
                   lossScale, losses_ + a.mb, this};
  fn(frame);
  // The gradient for a same-rank previous stage moves now, before this slot can
  // be released.
  if (a.kind == ActionKind::B && a.stage > 0 &&
      stageSpec(a.stage - 1).rank == rank_) {
    const StageSpec &prev = stageSpec(a.stage - 1);
    pipeops::copy_bytes(ctx_, slotOf(a.stage - 1, a.mb) + prev.gradInOffset,
                        slot + st.gradOutOffset,
                        static_cast<size_t>(prev.gradInBytes));
  }
}

void StageRunner::initialise(int64_t seed) {
  std::vector<float> host;
  for (size_t k = 0; k < spec_.params.size(); ++k)
    if (ownsParam(static_cast<int>(k))) {
      host.resize(static_cast<size_t>(spec_.params[k].elements));
      initParam(seed, spec_.params[k], host.data());
      writeParam(static_cast<int>(k), host.data(), nullptr, nullptr);
    }
}

void StageRunner::readParam(int k, float *values, float *m, float *v) {
  size_t bytes = static_cast<size_t>(spec_.params[k].elements) * 4;
  device_.download(values, master_ + paramOffset_[k], bytes);
  if (m && m_)
    device_.download(m, m_ + paramOffset_[k], bytes);
  if (v && v_)
    device_.download(v, v_ + paramOffset_[k], bytes);
}

void StageRunner::writeParam(int k, const float *values, const float *m,
                             const float *v) {
  size_t n = static_cast<size_t>(spec_.params[k].elements);
  device_.upload(master_ + paramOffset_[k], values, n * 4);
  if (m_) {
    if (m)
      device_.upload(m_ + paramOffset_[k], m, n * 4);
    else
      pipeops::fill_zero(ctx_, m_ + paramOffset_[k], n * 4);
  }
  if (v_) {
    if (v)
      device_.upload(v_ + paramOffset_[k], v, n * 4);
    else
      pipeops::fill_zero(ctx_, v_ + paramOffset_[k], n * 4);
  }
  if (working_ != master_)
    pipeops::to_storage(ctx_, param(k), master_ + paramOffset_[k],
                        static_cast<int64_t>(n));
}

void StageRunner::loadInputs(const DataSource &data, int64_t step) {
  int M = spec_.microbatches;
  pipeops::fill_zero(ctx_, losses_, M * sizeof(float));
  for (int mb = 0; mb < M; ++mb)
    for (size_t i = 0; i < spec_.inputs.size(); ++i) {
      int in = static_cast<int>(i);
      hostInput_.resize(static_cast<size_t>(data.microbatchBytes(in)));
      data.fill(in, data.firstSample(step, replica_, mb), spec_.batch,
                hostInput_.data());
      device_.upload(inputs_[mb * spec_.inputs.size() + i], hostInput_.data(),
                     hostInput_.size());
    }
}

void StageRunner::runProgram(const std::vector<Action> &program,
                             const std::vector<int> &lastUse,
                             std::vector<TraceMark> *traceMarks) {
  int M = spec_.microbatches;
  for (size_t i = 0; i < program.size();) {
    size_t end = i + 1;
    if (isComm(program[i].kind)) {
      while (end < program.size() && isComm(program[end].kind))
        ++end;
      communicate(
          std::vector<Action>(program.begin() + i, program.begin() + end));
    } else if (traceMarks) {
      awaitInputs(program[i]);
      int begin = device_.mark();
      compute(program[i]);
      traceMarks->push_back({program[i], begin, device_.mark()});
    } else {
      awaitInputs(program[i]);
      compute(program[i]);
    }
    for (size_t j = i; j < end; ++j) {
      const Action &a = program[j];
      if (lastUse[a.stage * M + a.mb] == static_cast<int>(j))
        releaseSlot(a.stage, a.mb);
    }
    i = end;
  }
  drainTransfers();
}

void StageRunner::runStep(const DataSource &data, int64_t step, int64_t optStep,
                          float lr) {
  if (paramFloats_)
    pipeops::fill_zero(ctx_, grads_, static_cast<size_t>(paramFloats_) * 4);
  loadInputs(data, step);
  std::vector<TraceMark> traceMarks;
  int stepMark = tracing_ ? device_.mark() : -1;
  runProgram(spec_.programs[rank_], lastUse_,
             tracing_ ? &traceMarks : nullptr);
  if (spec_.dataParallel > 1 && paramFloats_)
    transport_.allReduceSum(grads_, paramFloats_);
  sumTiedGradients();
  if (norms_)
    clipGradients();
  optimizerStep(optStep, lr);
  if (holdsLoss_)
    device_.download(hostLosses_.data(), losses_,
                     spec_.microbatches * sizeof(float));
  if (tracing_) {
    device_.synchronize();
    traceSlices_.clear();
    for (const TraceMark &t : traceMarks)
      traceSlices_.push_back({t.action.kind, t.action.stage, t.action.mb,
                              device_.elapsedUs(stepMark, t.begin),
                              device_.elapsedUs(stepMark, t.end)});
  }
  if (profile_) {
    device_.synchronize();
    for (const PendingMark &p : pendingMarks_)
      profile_->add(p.cell, p.kind, device_.elapsedUs(p.begin, p.end));
    pendingMarks_.clear();
  }
  if (profile_ || tracing_)
    device_.clearMarks();
}

void StageRunner::runEval(const DataSource &data, int64_t batch) {
  CellProfile *profile = profile_; // eval is not what --profile measures
  profile_ = nullptr;
  loadInputs(data, batch);
  runProgram(evalProgram_, evalLastUse_);
  profile_ = profile;
  if (holdsLoss_)
    device_.download(hostLosses_.data(), losses_,
                     spec_.microbatches * sizeof(float));
}

// StageFrame forwards to its runner.
const void *StageFrame::input(int i) const { return runner->input(mb, i); }
void *StageFrame::param(int k) const { return runner->param(k); }
float *StageFrame::grad(int k) const { return runner->grad(k); }
void StageFrame::beginCell(int cell) { runner->beginCell(cell, kind); }
void StageFrame::endCell(int cell) { runner->endCell(cell, kind); }

} // namespace pipert
