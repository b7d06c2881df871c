//===- OpFacts.cpp - Shape-rule helpers shared by the model ops ----------===//
#include "pipe/Dialect/OpFacts.h"
#include "pipe/Dialect/PipeOps.h"

#include "mlir/IR/Operation.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

#include "pipe/Dialect/PipeOpInterfaces.cpp.inc"

namespace pipe {

LibraryCalls::~LibraryCalls() = default;

int64_t boundElements(Type type, int64_t batch) {
  int64_t n = 1;
  for (int64_t d : cast<RankedTensorType>(type).getShape())
    n *= ShapedType::isDynamic(d) ? batch : d;
  return n;
}

plan::TensorDesc boundTensor(Type type, int64_t batch) {
  auto tensor = cast<RankedTensorType>(type);
  plan::TensorDesc t;
  for (int64_t d : tensor.getShape())
    t.dims.push_back(ShapedType::isDynamic(d) ? batch : d);
  t.isInt = tensor.getElementType().isInteger();
  return t;
}

int64_t LibraryCalls::elems(Value v) {
  return boundElements(v.getType(), batch());
}

int64_t LibraryCalls::last(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape().back();
}

int64_t ShapeRule::getInt(StringRef attrName) const {
  auto a = dyn_cast_if_present<IntegerAttr>(attr(attrName));
  return a ? a.getInt() : 0;
}

bool ShapeRule::getBool(StringRef attrName) const {
  auto a = dyn_cast_if_present<BoolAttr>(attr(attrName));
  return a && a.getValue();
}

double ShapeRule::getF64(StringRef attrName) const {
  auto a = dyn_cast_if_present<FloatAttr>(attr(attrName));
  return a ? a.getValueAsDouble() : 0.0;
}

LogicalResult ShapeRule::fail(ArrayRef<Type> types, StringRef ir,
                              StringRef source) const {
  StringRef message = isSource() ? source : ir;
  if (message.empty()) // a rule this reader's own checks should have caught
    message = isSource() ? ir : source;
  std::string text;
  for (size_t i = 0; i < message.size(); ++i) {
    // "{N}" stands for types[N], written the way this reader writes types.
    if (message[i] == '{') {
      size_t close = message.find('}', i);
      unsigned index;
      if (close != StringRef::npos &&
          !message.slice(i + 1, close).getAsInteger(10, index) &&
          index < types.size()) {
        text += writeType(types[index]);
        i = close;
        continue;
      }
    }
    text += message[i];
  }
  sink(text);
  return failure();
}

LogicalResult ShapeRule::needFloat(size_t i, StringRef role,
                                   size_t minRank) const {
  Type type = operands[i];
  RankedTensorType t = operand(i);
  std::string op = name.str(), r = role.str();
  if (!t || !t.getElementType().isF32())
    return fail({type}, "",
                op + " expects a float tensor as " + r + ", got {0}");
  std::string staticLast = r + " must have a static last dimension, got {0}";
  if (size_t(t.getRank()) < minRank)
    return fail({type}, staticLast,
                op + " expects " + r + " with at least " +
                    std::to_string(minRank) + " dimension(s), got {0}");
  if (minRank > 0 && t.isDynamicDim(t.getRank() - 1))
    return fail({type}, staticLast,
                op + " needs a fixed last dimension, got {0}");
  return success();
}

LogicalResult ShapeRule::paramSize(int64_t a, int64_t b, StringRef what) const {
  if (b == 0 || a <= kMaxParamElements / b)
    return success();
  std::string text = "the " + what.str() + " (" + std::to_string(a) + " x " +
                     std::to_string(b) + ") is too large";
  return fail({}, text, name.str() + ": " + text);
}

FailureOr<Type> ShapeRule::sameFloatOperands() const {
  std::string op = "'" + name.str() + "'";
  if (operands.empty()) {
    (void)fail({}, "needs at least one operand",
               op + " needs at least one operand");
    return failure();
  }
  for (Type t : operands) {
    auto tensor = dyn_cast<RankedTensorType>(t);
    if (!tensor || !tensor.getElementType().isF32()) {
      (void)fail({t}, "", op + " expects float tensors, got {0}");
      return failure();
    }
    if (t != operands.front()) {
      (void)fail({operands.front(), t}, "",
                 "operands of " + op + " have different shapes: {0} and {1}");
      return failure();
    }
  }
  return operands.front();
}

static std::string irType(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "'" << type << "'";
  return s;
}

LogicalResult
verifyShapeRule(Operation *op,
                llvm::function_ref<FailureOr<Type>(ShapeRule &)> infer,
                const Twine &resultRule) {
  SmallVector<Type> operands(op->getOperandTypes());
  ShapeRule rule(
      op->getContext(), operands,
      [&](StringRef name) {
        return op->getInherentAttr(name).value_or(Attribute());
      },
      ShapeRule::Spelling::IR, op->getName().stripDialect(), irType,
      [&](const std::string &message) { op->emitOpError() << message; });
  FailureOr<Type> inferred = infer(rule);
  if (failed(inferred))
    return failure();
  Type declared = op->getResult(0).getType();
  if (declared != *inferred)
    return op->emitOpError() << "result must be " << resultRule << ": expected "
                             << *inferred << ", got " << declared;
  return success();
}

} // namespace pipe
