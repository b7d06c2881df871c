// The hand-written MLP test model: buffer plan, stage F/B/W functions on
// pipeops host ops, and program builders (compute order per rank plus the
// Send/Recv actions around it).
#include "mlp_model.h"

#include "pipeops/ops.h"
#include "pipert/pipert.h"

#include <algorithm>

namespace pipert::test {
namespace {

// Slot layout of stage s (floats; B = batch): every buffer is B x width.
//   in   [B, K]  input boundary (stage 0: unused, reads model input 0)
//   r    [B, K]  relu(in) (stage 0: unused)
//   out  [B, N]  linear output (the boundary to stage s+1, or p on the last
//   stage) dout [B, N]  gradient w.r.t. out (received, or mse's on the last
//   stage) dr   [B, K]  gradient w.r.t. r din  [B, K]  gradient w.r.t. in (sent
//   to stage s-1)
struct Layout {
  int64_t in, r, out, dout, dr, din, bytes;
};
Layout layout(int s, int B) {
  int64_t K = layerIn(s) * B * 4, N = layerOut(s) * B * 4;
  Layout l;
  l.in = 0;
  l.r = l.in + K;
  l.out = l.r + K;
  l.dout = l.out + N;
  l.dr = l.dout + N;
  l.din = l.dr + K;
  l.bytes = l.din + K;
  return l;
}

// Generated code bakes the batch size in as a constant; the test model varies
// it per strategy, so makeMlpSpec sets it here (tests run one spec at a time).
int gBatch = 2;
int batchOf(const StageFrame &) { return gBatch; }

template <int S> void forward(StageFrame &f) {
  int B = batchOf(f), K = layerIn(S), N = layerOut(S);
  Layout l = layout(S, B);
  f.beginCell(S);
  const void *x = f.input(0);
  if (S > 0) {
    pipeops::relu_forward(f.ctx, f.slot + l.r, f.slot + l.in, B * K);
    x = f.slot + l.r;
  }
  pipeops::linear_forward(f.ctx, f.slot + l.out, x, f.param(2 * S),
                          f.param(2 * S + 1), B, K, N);
  if (S == kStages - 1)
    pipeops::mse_forward(f.ctx, f.loss, f.slot + l.out, f.input(1), B * N);
  f.endCell(S);
}

template <int S> void weightGrad(StageFrame &f) {
  int B = batchOf(f), K = layerIn(S), N = layerOut(S);
  Layout l = layout(S, B);
  const void *x = S > 0 ? static_cast<const void *>(f.slot + l.r) : f.input(0);
  pipeops::linear_backward_weight(f.ctx, f.grad(2 * S), f.grad(2 * S + 1),
                                  f.slot + l.dout, x, B, K, N);
}

template <int S, bool WithWeights> void backward(StageFrame &f) {
  int B = batchOf(f), K = layerIn(S), N = layerOut(S);
  Layout l = layout(S, B);
  f.beginCell(S);
  if (S == kStages - 1)
    pipeops::mse_backward_input(f.ctx, f.slot + l.dout, f.lossScale,
                                f.slot + l.out, f.input(1), B * N);
  if (S > 0) {
    pipeops::linear_backward_input(f.ctx, f.slot + l.dr, f.slot + l.dout,
                                   f.param(2 * S), B, K, N);
    pipeops::relu_backward_input(f.ctx, f.slot + l.din, f.slot + l.dr,
                                 f.slot + l.in, B * K);
  }
  if (WithWeights)
    weightGrad<S>(f);
  f.endCell(S);
}

template <int S> void wgrad(StageFrame &f) {
  f.beginCell(S);
  weightGrad<S>(f);
  f.endCell(S);
}

const StageFn kForward[] = {forward<0>, forward<1>, forward<2>, forward<3>};
const StageFn kBackwardAll[] = {backward<0, true>, backward<1, true>,
                                backward<2, true>, backward<3, true>};
const StageFn kBackwardInput[] = {backward<0, false>, backward<1, false>,
                                  backward<2, false>, backward<3, false>};
const StageFn kWgrad[] = {wgrad<0>, wgrad<1>, wgrad<2>, wgrad<3>};

/// Compute actions of one rank in order, before communication is inserted.
std::vector<Action> computeOrder(const Strategy &st, int rank) {
  std::vector<int> mine;
  for (int s = 0; s < kStages; ++s)
    if (st.stageRank[s] == rank)
      mine.push_back(s);
  int M = st.microbatches;
  std::vector<Action> out;
  auto F = [&](int k) {
    for (int s : mine)
      out.push_back({ActionKind::F, s, k, -1});
  };
  auto B = [&](int k) {
    for (auto it = mine.rbegin(); it != mine.rend(); ++it)
      out.push_back({ActionKind::B, *it, k, -1});
  };
  int ranks = *std::max_element(st.stageRank.begin(), st.stageRank.end()) + 1;
  switch (st.order) {
  case Order::GPipe:
  case Order::MbMajor: // one micro-batch at a time through every local stage
    for (int k = 0; k < M; ++k)
      F(k);
    for (int k = 0; k < M; ++k)
      B(k);
    break;
  case Order::OneFOneB: { // ranks hold contiguous stage runs
    int warmup = std::min(ranks - rank - 1, M);
    for (int k = 0; k < warmup; ++k)
      F(k);
    for (int i = 0; i + warmup < M; ++i) {
      F(warmup + i);
      B(i);
    }
    for (int k = M - warmup; k < M; ++k)
      B(k);
    break;
  }
  case Order::ZeroBubbleW: // all F, all B (input gradients), then all W
    for (int k = 0; k < M; ++k)
      F(k);
    for (int k = 0; k < M; ++k)
      B(k);
    for (int k = 0; k < M; ++k)
      for (int s : mine)
        out.push_back({ActionKind::W, s, k, -1});
    break;
  }
  return out;
}

/// Wraps compute actions with their Send/Recv actions (receive before, send
/// after).
std::vector<Action> withComm(const Strategy &st,
                             const std::vector<Action> &compute, int rank) {
  std::vector<Action> out;
  for (const Action &a : compute) {
    int s = a.stage;
    bool prevRemote = s > 0 && st.stageRank[s - 1] != rank;
    bool nextRemote = s + 1 < kStages && st.stageRank[s + 1] != rank;
    if (a.kind == ActionKind::F && prevRemote)
      out.push_back({ActionKind::RecvAct, s, a.mb, st.stageRank[s - 1]});
    if (a.kind == ActionKind::B && nextRemote)
      out.push_back({ActionKind::RecvGrad, s, a.mb, st.stageRank[s + 1]});
    out.push_back(a);
    if (a.kind == ActionKind::F && nextRemote)
      out.push_back({ActionKind::SendAct, s, a.mb, st.stageRank[s + 1]});
    if (a.kind == ActionKind::B && prevRemote)
      out.push_back({ActionKind::SendGrad, s, a.mb, st.stageRank[s - 1]});
  }
  return out;
}

} // namespace

ModelSpec makeMlpSpec(const Strategy &st) {
  gBatch = st.batch;
  ModelSpec spec;
  spec.model = "mlp";
  spec.source = "mlp.pipe";
  spec.schedule = "test";
  spec.fingerprint = 0x6d6c70; // "mlp"
  spec.ranks = *std::max_element(st.stageRank.begin(), st.stageRank.end()) + 1;
  spec.virtualStages = 1;
  spec.microbatches = st.microbatches;
  spec.batch = st.batch;
  spec.dataParallel = st.dataParallel;
  spec.precision = pipeops::DType::F32;
  spec.inputs = {{"x", ElemType::F32, {kIn}, 0},
                 {"y", ElemType::F32, {kOut}, 0}};
  for (int s = 0; s < kStages; ++s) {
    std::string l = "l" + std::to_string(s);
    spec.params.push_back({l + ".weight", int64_t(layerIn(s)) * layerOut(s),
                           Init::Normal, 0.5f, s});
    spec.params.push_back({l + ".bias", layerOut(s), Init::Normal, 0.1f, s});
  }
  bool hasW = st.order == Order::ZeroBubbleW;
  for (int s = 0; s < kStages; ++s) {
    Layout l = layout(s, st.batch);
    StageSpec stage;
    stage.rank = st.stageRank[s];
    stage.slotBytes = l.bytes;
    stage.slots = st.slots ? st.slots : st.microbatches;
    stage.scratchBytes = 0;
    stage.actInOffset = l.in;
    stage.actInBytes = s > 0 ? l.r - l.in : 0;
    stage.actOutOffset = l.out;
    stage.gradInOffset = l.dout;
    stage.gradInBytes = s + 1 < kStages ? l.dr - l.dout : 0;
    stage.gradOutOffset = l.din;
    stage.params = {2 * s, 2 * s + 1};
    stage.cells = {s};
    stage.forward = kForward[s];
    stage.backward = hasW ? kBackwardInput[s] : kBackwardAll[s];
    stage.wgrad = hasW ? kWgrad[s] : nullptr;
    spec.stages.push_back(stage);
  }
  for (int r = 0; r < spec.ranks; ++r)
    spec.programs.push_back(withComm(st, computeOrder(st, r), r));
  spec.optimizer.kind = OptimizerKind::AdamW;
  spec.optimizer.lr = 0.01f;
  spec.train.steps = 3;
  spec.train.seed = 7;
  spec.cellCutBytes = {8 * 4 * st.batch, 8 * 4 * st.batch, 8 * 4 * st.batch, 0};
  return spec;
}

int runWithArgs(const ModelSpec &spec, std::vector<std::string> args) {
  args.insert(args.begin(), "mlp");
  std::vector<char *> argv;
  for (std::string &a : args)
    argv.push_back(a.data());
  return runMain(spec, static_cast<int>(argv.size()), argv.data());
}

} // namespace pipert::test
