// pipert/spec.h: the contract between pipec's generated program and the runtime
// (what to run).
//
// The compiler decides everything: the partition, each rank's program, every
// buffer offset. A generated program fills one ModelSpec (static data plus
// stage functions) and calls pipert::runMain(spec, argc, argv). The runtime
// executes exactly that and re-derives nothing.
//
// Conventions: sizes are bytes unless named `elements`; indices are 0-based;
// "rank" means a pipeline rank in [0, ranks); data-parallel replicas are
// numbered d in [0, dataParallel) and run the same programs on their own copies
// of the parameters.
#pragma once

#include "pipeops/ops.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pipert {

/// One step of a rank's program (pipec.md, "programs").
///   F(s,k)  forward of stage s on micro-batch k      B(s,k) backward (input
///   gradient; also the W(s,k)  weight gradient (zb schedules only) weight
///   gradient when wgrad == nullptr)
/// Communication actions name the stage ON THIS RANK whose slot the buffer
/// lives in:
///   SendAct(s,k,peer)   sends  slot(s,k)+actOutOffset, stages[s+1].actInBytes
///   bytes, to the rank
///                       of stage s+1 (= peer)
///   RecvAct(s,k,peer)   receives into slot(s,k)+actInOffset, actInBytes, from
///   stage s-1 on peer SendGrad(s,k,peer)  sends  slot(s,k)+gradOutOffset,
///   stages[s-1].gradInBytes bytes, to the
///                       rank of stage s-1
///   RecvGrad(s,k,peer)  receives into slot(s,k)+gradInOffset, gradInBytes,
///   from stage s+1 on peer
/// Consecutive Send*/Recv* actions form ONE group, posted together
/// (ncclGroupStart/End); the rank passes the group only when every send in it
/// was received and every receive has its data. Messages are matched FIFO per
/// (sender rank, receiver rank, act|grad) and carry (stage, mb): a RecvAct(s,k)
/// must meet SendAct(s-1,k), a RecvGrad(s,k) must meet SendGrad(s+1,k), else
/// the run fails naming both ranks. Neighbouring stages on the SAME rank have
/// no Send/Recv: the runtime copies the boundary itself (activation: just
/// before F(s+1,k); gradient: right after B(s+1,k), into
/// slot(s,k)+gradInOffset).
enum class ActionKind : uint8_t {
  F,
  B,
  W,
  SendAct,
  RecvAct,
  SendGrad,
  RecvGrad
};
struct Action {
  ActionKind kind;
  int32_t stage;
  int32_t mb;
  int32_t peer; ///< the other pipeline rank for Send*/Recv*; ignored (use -1)
                ///< for F/B/W
};

enum class ElemType : uint8_t { I32, F32 };

/// One model input, e.g. tokens: i32[batch, 128] -> {"tokens", I32, {128},
/// 256}.
struct InputSpec {
  std::string name;
  ElemType type;
  std::vector<int64_t>
      sampleDims; ///< dims after the batch dim (empty: one scalar per sample)
  int64_t vocab;  ///< I32 inputs: ids are in [0, vocab); 0 for F32 inputs
};

enum class Init : uint8_t { Normal, Zeros, Ones };

/// One parameter tensor. Values derive only from (train.seed, name), so every
/// strategy starts from the same weights and a checkpoint is keyed by name.
///
/// A tied table (an embedding's table that a later linear reads transposed)
/// held by two stages appears twice under one name: the owner (the
/// embedding's stage) with tiedTo == -1, and the copy with tiedTo == the
/// owner's index. Before each optimizer step the runtime sums the two
/// gradients (after the data-parallel all-reduce) so both copies take the same
/// step and stay equal; checkpoints hold the owner only. Anything that counts
/// parameters once (a global gradient norm, a parameter count) skips entries
/// with tiedTo >= 0.
struct ParamSpec {
  std::string name; ///< unique but for tied copies, e.g. "c3.linear1.weight"
  int64_t elements;
  Init init;
  float std; ///< standard deviation for Init::Normal (mean 0)
  int stage; ///< the stage owning it (its rank holds it)
  /// Row-major dims (their product is `elements`), for --export/--init.
  std::vector<int64_t> shape = {};
  int tiedTo = -1; ///< a tied copy: index of the owner entry; -1 otherwise
};

struct StageFrame;
/// A stage function: runs one F, B or W of one stage on one micro-batch. Throws
/// std::runtime_error (or lets pipeops throw) on failure; the runtime reports
/// it with the rank.
using StageFn = void (*)(StageFrame &);

/// One pipeline stage and its memory plan. Every offset is into the stage's
/// slot (one arena per in-flight micro-batch, `slotBytes` each; the compiler
/// lays out boundary buffers, kept activations and gradient buffers inside it).
/// Offsets must be multiples of 16.
struct StageSpec {
  int rank;          ///< pipeline rank running this stage
  int64_t slotBytes; ///< one micro-batch's arena
  /// Arenas allocated up front: the program's peak of live (stage, mb) pairs. A
  /// pair is live from its first RecvAct or F until the end of its last action
  /// (B, or W when the stage has wgrad, or the SendGrad after them); when that
  /// last action is in a communication group, until the whole group completes,
  /// so a group {SendGrad(s,j), RecvAct(s,k)} needs j and k live at once.
  /// A slot whose send the peer has not taken yet is reused only once it has
  /// (the runner waits for that rather than take more memory).
  int slots;
  int64_t scratchBytes; ///< temporaries shared by all actions of this stage
                        ///< (not kept)
  int64_t actInOffset; ///< input boundary activation (from stage-1); unused for
                       ///< stage 0
  int64_t actInBytes;  ///< its size; must equal what stage-1 produces (0 for
                       ///< stage 0)
  int64_t actOutOffset; ///< output boundary activation (to stage+1); unused for
                        ///< the last stage
  int64_t gradInOffset; ///< gradient w.r.t. this stage's output (from stage+1);
                        ///< unused for last
  int64_t gradInBytes;  ///< its size (equals stages[s+1].actInBytes; 0 for the
                        ///< last stage)
  int64_t gradOutOffset; ///< gradient w.r.t. this stage's input, sent to
                         ///< stage-1 (unused for 0)
  std::vector<int>
      params; ///< indices into ModelSpec::params owned by this stage
  std::vector<int>
      cells; ///< global cell indices of this stage, in order (for --profile)
  StageFn forward;  ///< F
  StageFn backward; ///< B
  StageFn wgrad; ///< W; nullptr when the schedule has no W (B does the weight
                 ///< gradient)
};
// Zeroing: when a slot is assigned to a micro-batch (its first RecvAct or F)
// the runtime zeroes the whole slot, so every gradient buffer in it starts at 0
// and backward may accumulate (+=). Parameter gradients are zeroed at the start
// of every step. Scratch is never zeroed.

enum class OptimizerKind : uint8_t { AdamW, SGD };
struct OptimizerSpec {
  OptimizerKind kind = OptimizerKind::AdamW;
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f,
        weightDecay = 0.0f;
  float momentum = 0.0f; ///< SGD only
};

enum class DataKind : uint8_t { Synthetic, Bytes, Tokens };
/// The learning rate of each step (lr_schedule.h has the formula).
enum class LrSchedule : uint8_t { Constant, Cosine, Linear };
struct TrainSpec {
  int64_t steps = 10; ///< default for --steps
  int64_t seed = 1;
  int64_t logEvery = 1;
  DataKind data = DataKind::Synthetic;
  std::string dataFile; ///< for Bytes/Tokens, as written in the .pipe file
                        ///< (relative to the cwd)
  LrSchedule lrSchedule = LrSchedule::Constant;
  int64_t warmup = 0; ///< Cosine/Linear: warm-up steps
  float minLr = 0;    ///< Cosine: the last step's lr
  /// Global gradient L2 norm limit before each step; 0 is off.
  float clipGrad = 0;
  /// Held-out data (Bytes/Tokens; Synthetic means none): every evalEvery
  /// steps the mean loss over its first evalBatches global batches.
  DataKind eval = DataKind::Synthetic;
  std::string evalFile;
  int64_t evalEvery = 100, evalBatches = 4;
};

struct ModelSpec {
  std::string model;    ///< model name, for the header
  std::string source;   ///< the .pipe file, for the header
  std::string schedule; ///< "gpipe", "1f1b", ... for the header
  uint64_t fingerprint; ///< of the model (names, shapes, parameters), NOT the
                        ///< strategy
  int ranks;            ///< pipeline ranks
  int virtualStages;    ///< stages per rank
  int microbatches;     ///< per step per replica
  int batch;            ///< samples per micro-batch
  int dataParallel;     ///< replicas
  pipeops::DType precision;
  std::vector<InputSpec> inputs;
  std::vector<ParamSpec> params;
  std::vector<StageSpec> stages; ///< in pipeline order; stage s feeds s+1
  std::vector<std::vector<Action>>
      programs; ///< per pipeline rank, in execution order
  OptimizerSpec optimizer;
  TrainSpec train;
  std::vector<int64_t>
      cellCutBytes; ///< per cell: bytes crossing a cut right after it
  int64_t tokensPerSample = 0; ///< tokens/s in step lines; 0 prints samples/s
  /// The plan's prediction, printed beside what the run measures: bytes each
  /// pipeline rank allocates (pipec's peak_bytes, counted for
  /// predictedMemoryBackend, "host" or "cuda") and the step's makespan (us).
  std::vector<int64_t> predictedPeakBytes;
  std::string predictedMemoryBackend;
  double predictedStepUs = 0;
};

} // namespace pipert
