//===- Model.cpp - The checked model: attribute access, types, spellings -===//
#include "pipe/dsl/Model.h"

using namespace pipe::dsl;

int64_t OpNode::getInt(llvm::StringRef attr) const {
  auto a = attrs ? attrs.getAs<mlir::IntegerAttr>(attr) : nullptr;
  return a ? a.getInt() : 0;
}

bool OpNode::getBool(llvm::StringRef attr) const {
  auto a = attrs ? attrs.getAs<mlir::BoolAttr>(attr) : nullptr;
  return a && a.getValue();
}

double OpNode::getF64(llvm::StringRef attr) const {
  auto a = attrs ? attrs.getAs<mlir::FloatAttr>(attr) : nullptr;
  return a ? a.getValueAsDouble() : 0.0;
}

mlir::RankedTensorType pipe::dsl::toMLIRType(mlir::MLIRContext *ctx,
                                             const TensorType &t) {
  llvm::SmallVector<int64_t> shape;
  for (int64_t d : t.dims)
    shape.push_back(d == kBatchDim ? mlir::ShapedType::kDynamic : d);
  mlir::Type element = t.dtype == DType::I32
                           ? mlir::Type(mlir::IntegerType::get(ctx, 32))
                           : mlir::Type(mlir::Float32Type::get(ctx));
  return mlir::RankedTensorType::get(shape, element);
}

std::optional<TensorType> pipe::dsl::fromMLIRType(mlir::Type type) {
  auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type);
  if (!tensor)
    return std::nullopt;
  TensorType t;
  if (tensor.getElementType().isInteger(32))
    t.dtype = DType::I32;
  else if (tensor.getElementType().isF32())
    t.dtype = DType::F32;
  else
    return std::nullopt;
  for (int64_t d : tensor.getShape())
    t.dims.push_back(mlir::ShapedType::isDynamic(d) ? kBatchDim : d);
  return t;
}
