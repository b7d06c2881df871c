// The executor of one (pipeline rank, replica): its buffers (slots, scratch,
// parameters, gradients, optimizer state, inputs, losses) and the interpreter
// of its program for one step.
#pragma once

#include "data.h"
#include "device.h"
#include "pipert/frame.h"
#include "profile.h"
#include "transport.h"

#include <vector>

namespace pipert {

class StageRunner {
public:
  /// Allocates everything up front. `ctx` is the rank's op-library context
  /// (stream, dtype).
  StageRunner(const ModelSpec &spec, int rank, int replica, Device &device,
              Transport &transport, const pipeops::Context &ctx,
              CellProfile *profile);
  ~StageRunner();
  StageRunner(const StageRunner &) = delete;
  StageRunner &operator=(const StageRunner &) = delete;

  int rank() const { return rank_; }
  int replica() const { return replica_; }
  bool ownsParam(int k) const { return paramOffset_[k] >= 0; }
  /// Host copies of an owned parameter's f32 master values and optimizer state.
  void readParam(int k, float *param, float *m, float *v);
  void writeParam(int k, const float *param, const float *m, const float *v);
  /// Writes every owned parameter's initial values (seed, name) and zero
  /// optimizer state.
  void initialise(int64_t seed);

  /// One training step: zero gradients, load this replica's inputs of global
  /// step `step`, run the program, all-reduce gradients over replicas, clip
  /// them to train.clipGrad (global norm over every worker), step the
  /// optimizer (1-based `optStep`) at learning rate `lr`.
  void runStep(const DataSource &data, int64_t step, int64_t optStep, float lr);
  /// The global gradient L2 norm of the last step, before clipping (computed
  /// only when train.clipGrad > 0; else 0).
  double gradNorm() const { return gradNorm_; }
  /// Forward only, through the program's F and activation transfers in their
  /// order: global batch `batch` of `data` (as step `batch` would read it),
  /// no gradient, no update. The micro-batch losses land in losses().
  void runEval(const DataSource &data, int64_t batch);
  /// Per-micro-batch losses of the last step (host copy), when this rank holds
  /// the last stage.
  bool holdsLoss() const { return holdsLoss_; }
  const std::vector<float> &losses() const { return hostLosses_; }
  /// The most device memory this runner held at once: every allocation it
  /// made (rounded as the device rounds) plus what the device reserves for
  /// itself (the cuBLASLt workspace on cuda).
  int64_t peakBytes() const {
    return peakBytes_ + static_cast<int64_t>(device_.reservedBytes());
  }

  /// With tracing on, every step records when each F, B and W ran,
  /// in microseconds from the step's start on this rank's device.
  struct TraceSlice {
    ActionKind kind;
    int stage, mb;
    double startUs, endUs;
  };
  void setTracing(bool on) { tracing_ = on; }
  const std::vector<TraceSlice> &traceSlices() const { return traceSlices_; }

  // StageFrame accessors.
  const void *input(int mb, int i) const;
  void *param(int k) const;
  float *grad(int k) const;
  void beginCell(int cell, ActionKind kind);
  void endCell(int cell, ActionKind kind);

private:
  /// device_.allocate, counted; nothing (nullptr) for 0 bytes.
  void *allocate(int64_t bytes);
  std::byte *slotOf(int stage, int mb);
  std::byte *acquireSlot(int stage, int mb);
  /// After a (stage, mb)'s last use: frees its slot, or, while a send from it
  /// is in flight, leaves it draining until the peer has taken it.
  void releaseSlot(int stage, int mb);
  /// Frees one draining slot of `stage`, waiting for its send if none is done.
  void reclaimSlot(int stage);
  /// Waits for every transfer in flight and frees the slots sends read.
  void drainTransfers();
  /// Before a compute action: waits for the receive its slot needs (F: the
  /// activations, B: the gradient), adding its time to the profile's cut.
  void awaitInputs(const Action &a);
  void compute(const Action &a);
  void communicate(const std::vector<Action> &group);
  /// Sums each tied table's two gradients (ParamSpec::tiedTo) into both.
  void sumTiedGradients();
  void optimizerStep(int64_t optStep, float lr);
  void loadInputs(const DataSource &data, int64_t step);
  struct TraceMark {
    Action action;
    int begin, end;
  };
  /// With `traceMarks`, a device mark before and after each compute action.
  void runProgram(const std::vector<Action> &program,
                  const std::vector<int> &lastUse,
                  std::vector<TraceMark> *traceMarks = nullptr);
  void clipGradients();
  /// Whether this worker adds parameter k's gradient into the clipping norm:
  /// every parameter counts once, on replica 0's holder (a tied table on its
  /// owner's, not its copy's).
  bool countsInNorm(int k) const {
    return paramOffset_[k] >= 0 && replica_ == 0 && spec_.params[k].tiedTo < 0;
  }
  const StageSpec &stageSpec(int s) const { return spec_.stages[s]; }

  const ModelSpec &spec_;
  int rank_, replica_;
  Device &device_;
  Transport &transport_;
  pipeops::Context ctx_;
  CellProfile *profile_;
  bool holdsLoss_ = false;

  struct LocalStage {
    std::byte *arena = nullptr, *scratch = nullptr;
    std::vector<int> freeSlots;
    std::vector<int> slotOfMb; ///< per micro-batch, -1 when unassigned
    /// Per micro-batch: the last send from its slot that may be in flight,
    /// and the receives into it not waited for yet.
    std::vector<Transport::Ticket> sendOfMb, actInOfMb, gradInOfMb;
    /// Micro-batches past their last use whose slot a send still reads.
    std::vector<int> draining;
  };
  std::byte *scratch_ = nullptr; ///< shared by the rank's stages
  int64_t heldBytes_ = 0, peakBytes_ = 0;
  std::vector<LocalStage>
      local_; ///< indexed by global stage (empty for other ranks' stages)
  std::vector<int>
      lastUse_; ///< per (stage * microbatches + mb): program index of last use
  std::vector<Action> evalProgram_; ///< the program's F, SendAct and RecvAct
  std::vector<int> evalLastUse_;    ///< lastUse_ for evalProgram_

  std::vector<int64_t>
      paramOffset_; ///< global param -> float offset in the buffers, or -1
  int64_t paramFloats_ = 0;
  float *master_ = nullptr, *grads_ = nullptr, *m_ = nullptr, *v_ = nullptr;
  /// Per parameter: for a tied copy held here, the owner's gradient.
  std::vector<float *> tiedScratch_;
  void *working_ = nullptr; ///< == master_ unless cuda+bf16 (then bf16 copies)
  std::vector<std::byte *> inputs_; ///< per (mb * inputs + i)
  std::vector<char> hostInput_;
  float *losses_ = nullptr;
  std::vector<float> hostLosses_;
  float *norms_ = nullptr; ///< per global parameter, clipping only
  std::vector<float> hostNorms_;
  double gradNorm_ = 0;
  std::vector<int> openMarks_; ///< per cell: begin mark while open
  struct PendingMark {
    int cell;
    ActionKind kind;
    int begin, end;
  };
  std::vector<PendingMark> pendingMarks_; ///< resolved at the end of the step
  bool tracing_ = false;
  std::vector<TraceSlice> traceSlices_; ///< the last step's

};

} // namespace pipert
