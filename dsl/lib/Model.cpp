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
