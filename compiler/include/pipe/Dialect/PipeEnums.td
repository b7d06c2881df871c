//===- PipeEnums.td - The strategy's and training setup's enumerations ----===//
//
// Schedule, partition, precision and optimizer are enum attributes, not
// strings: the dialect, the front end and the planning library share the
// generated C++ enums (pipe::ScheduleKind, ...) and their symbolizers, so a
// name is spelled in exactly one place. What each schedule means (its rules
// and order builder) is one row of plan::scheduleTable().
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_ENUMS_TD
#define PIPE_ENUMS_TD

include "pipe/Dialect/PipeDialect.td"
include "mlir/IR/EnumAttr.td"

class Pipe_Enum<string name, string summary, list<I32EnumAttrCase> cases>
    : I32EnumAttr<name, summary, cases> {
  let cppNamespace = "::pipe";
  let genSpecializedAttr = 0;
}

def Pipe_ScheduleKind : Pipe_Enum<"ScheduleKind", "a pipeline schedule", [
  I32EnumAttrCase<"GPipe", 0, "gpipe">,
  I32EnumAttrCase<"OneFOneB", 1, "1f1b">,
  I32EnumAttrCase<"Interleaved", 2, "interleaved">,
  I32EnumAttrCase<"ZBH1", 3, "zb-h1">,
  I32EnumAttrCase<"ZBH2", 4, "zb-h2">,
  I32EnumAttrCase<"ZBV", 5, "zb-v">,
  // Not a schedule: the driver's search replaces it before partitioning.
  I32EnumAttrCase<"Auto", 6, "auto">]>;

def Pipe_PartitionKind : Pipe_Enum<"PartitionKind", "a partitioner", [
  I32EnumAttrCase<"Balanced", 0, "balanced">,
  I32EnumAttrCase<"Uniform", 1, "uniform">,
  I32EnumAttrCase<"Manual", 2, "manual">]>;

def Pipe_Precision : Pipe_Enum<"Precision", "a storage precision", [
  I32EnumAttrCase<"F32", 0, "f32">,
  I32EnumAttrCase<"BF16", 1, "bf16">]>;

def Pipe_OptimizerKind : Pipe_Enum<"OptimizerKind", "an optimizer", [
  I32EnumAttrCase<"AdamW", 0, "adamw">,
  I32EnumAttrCase<"SGD", 1, "sgd">]>;

def Pipe_LrScheduleKind : Pipe_Enum<"LrScheduleKind", "a learning-rate schedule", [
  I32EnumAttrCase<"Constant", 0, "constant">,
  I32EnumAttrCase<"Cosine", 1, "cosine">,
  I32EnumAttrCase<"Linear", 2, "linear">]>;

/// `#pipe<schedule "1f1b">`: names like 1f1b and zb-h1 are not MLIR keywords,
/// so the generic form quotes every name (PipeDialect.cpp).
class Pipe_EnumAttr<EnumAttrInfo info, string mnemonic>
    : EnumAttr<Pipe_Dialect, info, mnemonic> {
  let assemblyFormat = ?;
  let hasCustomAssemblyFormat = 1;
}

def Pipe_ScheduleKindAttr : Pipe_EnumAttr<Pipe_ScheduleKind, "schedule">;
def Pipe_PartitionKindAttr : Pipe_EnumAttr<Pipe_PartitionKind, "partition">;
def Pipe_PrecisionAttr : Pipe_EnumAttr<Pipe_Precision, "precision">;
def Pipe_OptimizerKindAttr : Pipe_EnumAttr<Pipe_OptimizerKind, "optimizer">;
def Pipe_LrScheduleKindAttr : Pipe_EnumAttr<Pipe_LrScheduleKind, "lr_schedule">;

#endif // PIPE_ENUMS_TD
