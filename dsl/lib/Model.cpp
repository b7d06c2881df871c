//===- Model.cpp - Spellings of the checked model's enums -----------------===//
#include "pipe/dsl/Model.h"

using namespace pipe::dsl;

const char *pipe::dsl::name(OpKind kind) {
  switch (kind) {
  case OpKind::Embedding:
    return "embedding";
  case OpKind::Linear:
    return "linear";
  case OpKind::LayerNorm:
    return "layernorm";
  case OpKind::RMSNorm:
    return "rmsnorm";
  case OpKind::Gelu:
    return "gelu";
  case OpKind::Relu:
    return "relu";
  case OpKind::Silu:
    return "silu";
  case OpKind::Add:
    return "add";
  case OpKind::Mul:
    return "mul";
  case OpKind::Attention:
    return "attention";
  case OpKind::CrossEntropy:
    return "cross_entropy";
  case OpKind::Mse:
    return "mse";
  case OpKind::Extern:
    return "extern";
  }
  return "unknown";
}

const char *pipe::dsl::name(Schedule s) {
  switch (s) {
  case Schedule::GPipe:
    return "gpipe";
  case Schedule::OneFOneB:
    return "1f1b";
  case Schedule::Interleaved:
    return "interleaved";
  case Schedule::ZBH1:
    return "zb-h1";
  case Schedule::ZBV:
    return "zb-v";
  case Schedule::Auto:
    return "auto";
  }
  return "unknown";
}

const char *pipe::dsl::name(PartitionKind p) {
  switch (p) {
  case PartitionKind::Balanced:
    return "balanced";
  case PartitionKind::Uniform:
    return "uniform";
  case PartitionKind::Manual:
    return "manual";
  }
  return "unknown";
}

const char *pipe::dsl::name(Precision p) {
  switch (p) {
  case Precision::F32:
    return "f32";
  case Precision::BF16:
    return "bf16";
  }
  return "unknown";
}
