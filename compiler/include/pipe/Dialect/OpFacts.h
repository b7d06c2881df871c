//===- OpFacts.h - The types ModelOpInterface's methods speak in ---------===//
//
// ShapeRule is what a shape rule reads (operand types, attributes) and where
// it reports a broken rule; ParamSpec is one parameter tensor; LibraryCalls
// is the code generator seen from an op: buffers by value, literals, and one
// call into the op library. The dialect states what each op needs; the
// callers (verifier, front end, lowering) decide how it is spelt or built.
//
//===----------------------------------------------------------------------===//
#ifndef PIPE_DIALECT_OPFACTS_H
#define PIPE_DIALECT_OPFACTS_H

#include "pipe/Plan/CostModel.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <functional>
#include <string>

namespace pipe {

/// Largest parameter tensor a shape rule accepts (elements), so a typo in a
/// `.pipe` file cannot ask for an exabyte table.
constexpr int64_t kMaxParamElements = int64_t(1) << 40;

/// The inputs of a shape rule and the sink of its errors. Two spellings
/// exist because one rule serves two audiences: hand-written IR (the
/// verifier prefixes "'pipe.x' op" and prints types as MLIR does) and the
/// `.pipe` front end (types as `f32[batch, 4]`, at the call's location).
class ShapeRule {
public:
  enum class Spelling { IR, Source };
  // Owned callables: callers pass lambdas that die with the constructor call.
  using AttrLookup = std::function<mlir::Attribute(llvm::StringRef)>;
  using TypeWriter = std::function<std::string(mlir::Type)>;
  using ErrorSink = std::function<void(const std::string &)>;

  ShapeRule(mlir::MLIRContext *ctx, llvm::ArrayRef<mlir::Type> operands,
            AttrLookup attr, Spelling spelling, llvm::StringRef name,
            TypeWriter writeType, ErrorSink sink)
      : ctx(ctx), operands(operands), attr(attr), spelling(spelling),
        name(name), writeType(writeType), sink(sink) {}

  mlir::MLIRContext *getContext() const { return ctx; }
  size_t size() const { return operands.size(); }
  mlir::RankedTensorType operand(size_t i) const {
    return llvm::dyn_cast<mlir::RankedTensorType>(operands[i]);
  }
  int64_t getInt(llvm::StringRef attrName) const;
  bool getBool(llvm::StringRef attrName) const;
  double getF64(llvm::StringRef attrName) const;
  mlir::Attribute getAttr(llvm::StringRef attrName) const {
    return attr(attrName);
  }
  /// The op as its reader wrote it: "linear", "+", an extern op's name.
  llvm::StringRef opName() const { return name; }
  bool isSource() const { return spelling == Spelling::Source; }

  /// Reports a broken rule and returns failure. `{0}`, `{1}`, ... in the
  /// messages stand for `types`, written in the reader's spelling. An empty
  /// message for one spelling means that reader cannot break this rule
  /// (e.g. a dtype the IR's constraints already enforce); the rule still
  /// fails.
  mlir::LogicalResult fail(llvm::ArrayRef<mlir::Type> types, llvm::StringRef ir,
                           llvm::StringRef source) const;

  // Rules several ops share; each reports in both spellings.
  /// A float tensor of at least `minRank` dims with a static last dim (when
  /// minRank > 0); `role` names the operand.
  mlir::LogicalResult needFloat(size_t i, llvm::StringRef role,
                                size_t minRank) const;
  /// A parameter tensor of a x b elements must stay below kMaxParamElements.
  mlir::LogicalResult paramSize(int64_t a, int64_t b,
                                llvm::StringRef what) const;
  /// Float operands of one type (binary and extern ops); returns that type.
  mlir::FailureOr<mlir::Type> sameFloatOperands() const;

private:
  mlir::MLIRContext *ctx;
  llvm::ArrayRef<mlir::Type> operands;
  AttrLookup attr;
  Spelling spelling;
  llvm::StringRef name;
  TypeWriter writeType;
  ErrorSink sink;
};

/// How a parameter tensor starts (GPT-2 / Megatron-LM: weights normal with
/// std 0.02, biases and norm shifts zero, norm scales one).
enum class ParamInit { Normal, Zeros, Ones };

/// One parameter tensor of an op: `<param>.<suffix>`, `elements` floats.
struct ParamSpec {
  std::string suffix;
  int64_t elements = 0;
  ParamInit init = ParamInit::Normal;
  /// Row-major dims (product `elements`): what --export writes and --init
  /// checks. A linear weight is [in, out], so y = x @ weight.
  llvm::SmallVector<int64_t, 2> shape = {};
};

/// The code generator as an op sees it. Buffers are asked for by value (the
/// op's operands and result); the op's own saved buffers and parameters by
/// index. Arguments keep the order of the library function's signature in
/// lib/include/pipeops/ops.def.
class LibraryCalls {
public:
  /// An argument: a buffer or a literal.
  struct Arg {
    Arg(mlir::Value v) : value(v) {}
    Arg(mlir::Attribute a) : attr(a) {}
    mlir::Value value;
    mlir::Attribute attr;
  };
  virtual ~LibraryCalls();

  virtual mlir::Value context() = 0;             ///< the pipeops::Context
  virtual mlir::Value act(mlir::Value v) = 0;    ///< v's activation (storage)
  virtual mlir::Value actF32(mlir::Value v) = 0; ///< a loss's f32 buffer
  virtual mlir::Value grad(mlir::Value v) = 0;   ///< v's gradient
  virtual mlir::Value ids(mlir::Value v) = 0;    ///< an i32 model input
  virtual mlir::Value saved(mlir::Operation *op) = 0;
  virtual mlir::Value wsaved(mlir::Operation *op) = 0;
  virtual mlir::Value param(mlir::Operation *op, int which) = 0;
  virtual mlir::Value paramGrad(mlir::Operation *op, int which) = 0;
  virtual mlir::Value lossScale() = 0; ///< the gradient of the loss
  /// A model input: it has no gradient buffer.
  virtual bool isInput(mlir::Value v) = 0;
  /// Fails (located) unless a loss op's result is the model's loss.
  virtual mlir::LogicalResult checkLoss(mlir::Operation *op) = 0;
  virtual int64_t batch() = 0;
  virtual mlir::Attribute i64(int64_t v) = 0;
  virtual mlir::Attribute f32(double v) = 0;
  virtual mlir::Attribute boolean(bool v) = 0;
  virtual mlir::Attribute null() = 0; ///< nullptr for an absent buffer
  /// Emits `callee(args...)`.
  virtual void call(llvm::StringRef callee, llvm::ArrayRef<Arg> args) = 0;

  /// Shapes with the batch bound.
  int64_t elems(mlir::Value v);
  int64_t last(mlir::Value v);
  int64_t rows(mlir::Value v) { return elems(v) / last(v); }
};

/// Verifies `op` against its shape rule `infer`, run on its own operands
/// and attributes with IR wording; with `resultRule`, a declared result that
/// differs from the rule's is an error saying what the result must be.
mlir::LogicalResult verifyShapeRule(
    mlir::Operation *op,
    llvm::function_ref<mlir::FailureOr<mlir::Type>(ShapeRule &)> infer,
    const llvm::Twine &resultRule = "");

/// Elements of a model tensor with its dynamic (batch) dims bound to
/// `batch`.
int64_t boundElements(mlir::Type type, int64_t batch);
/// The shape as the cost model sees it (batch bound).
plan::TensorDesc boundTensor(mlir::Type type, int64_t batch);

} // namespace pipe

#endif // PIPE_DIALECT_OPFACTS_H
