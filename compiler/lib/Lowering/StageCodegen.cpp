//===- StageCodegen.cpp - F, B and W of one stage as EmitC functions ------===//
//
// Each stage becomes `stageN_forward`, `stageN_backward` and (for schedules
// with W) `stageN_wgrad`, taking the runtime's `pipert::StageFrame&`. Every
// op becomes one call into the op library over buffers the buffer plan
// placed; pointers come from the small inline accessors of
// runtime/include/pipert/codegen.h. Comments name each cell and op with its
// shape, so the generated file reads like the model.
//
//===----------------------------------------------------------------------===//
#include "pipe/Lowering/Codegen.h"
#include "pipe/Lowering/GeneratedText.h"

#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace pipe::lowering {
namespace {

using Arg = LibraryCalls::Arg;

std::string shapeString(Type type, int64_t batch) {
  auto t = cast<RankedTensorType>(type);
  std::string s;
  llvm::raw_string_ostream os(s);
  os << (t.getElementType().isInteger(32) ? "i32[" : "f32[");
  llvm::interleave(
      t.getShape(), os,
      [&](int64_t d) { os << (ShapedType::isDynamic(d) ? batch : d); }, ",");
  os << "]";
  return s;
}

std::string locString(Location loc) {
  if (auto fl = dyn_cast<FileLineColLoc>(loc))
    return (fl.getFilename().getValue() + ":" + Twine(fl.getLine()) + ":" +
            Twine(fl.getColumn()))
        .str();
  if (auto cs = dyn_cast<CallSiteLoc>(loc))
    return locString(cs.getCaller());
  if (auto nl = dyn_cast<NameLoc>(loc))
    return locString(nl.getChildLoc());
  return "";
}

/// Emits one stage; ops state their own library calls through the
/// LibraryCalls view (ModelOpInterface::emitForward and friends).
class StageEmitter final : public LibraryCalls {
public:
  StageEmitter(OpBuilder &b, ModelOp model, const StageBuffers &sb,
               const StageCodegenOptions &o,
               const llvm::DenseMap<Operation *, int> &firstParam)
      : b(b), model(model), sb(sb), o(o), firstParam(firstParam),
        loc(model.getLoc()) {
    MLIRContext *ctx = b.getContext();
    frameType = emitc::OpaqueType::get(ctx, "pipert::StageFrame&");
    ctxType = emitc::OpaqueType::get(ctx, "const pipeops::Context&");
    voidPtr = emitc::PointerType::get(emitc::OpaqueType::get(ctx, "void"));
    constVoidPtr =
        emitc::PointerType::get(emitc::OpaqueType::get(ctx, "const void"));
    floatPtr = emitc::PointerType::get(b.getF32Type());
    idsPtr =
        emitc::PointerType::get(emitc::OpaqueType::get(ctx, "const int32_t"));
    llvm::append_range(cells, StageOp(o.stageOp).getCells());
  }

  LogicalResult emit(StageFunctions &out) {
    std::string base = "stage" + std::to_string(o.stage);
    out.forward = begin(base + "_forward");
    if (failed(emitForward()))
      return failure();
    end();
    out.backward = begin(base + "_backward");
    if (o.recompute)
      emitc::CallOp::create(b, loc, out.forward, ValueRange{frame});
    if (failed(emitBackward(out.forward)))
      return failure();
    end();
    if (o.hasW) {
      out.wgrad = begin(base + "_wgrad");
      if (o.recompute)
        emitc::CallOp::create(b, loc, out.forward, ValueRange{frame});
      emitWeightGrad();
      end();
    }
    return success();
  }

private:
  // ---- functions and calls ----
  emitc::FuncOp begin(StringRef name) {
    auto fn =
        emitc::FuncOp::create(b, loc, name, b.getFunctionType({frameType}, {}));
    fn.setSpecifiersAttr(b.getStrArrayAttr({"static"}));
    Block *body = fn.addEntryBlock();
    savedPoint = b.saveInsertionPoint();
    b.setInsertionPointToStart(body);
    frame = body->getArgument(0);
    cache.clear();
    ctxValue = call("pipert::gen::context", ctxType, {frame});
    return fn;
  }
  void end() {
    emitc::ReturnOp::create(b, loc, Value());
    b.restoreInsertionPoint(savedPoint);
  }

  Value call(StringRef callee, Type result, ArrayRef<Arg> args) {
    SmallVector<Value> operands;
    SmallVector<Attribute> attrs;
    for (const Arg &a : args) {
      if (a.value) {
        attrs.push_back(b.getIndexAttr(operands.size()));
        operands.push_back(a.value);
      } else {
        attrs.push_back(a.attr);
      }
    }
    TypeRange results = result ? TypeRange(result) : TypeRange();
    auto op = emitc::CallOpaqueOp::create(b, loc, results, callee, operands,
                                          b.getArrayAttr(attrs));
    return result ? op.getResult(0) : Value();
  }
  void stmt(StringRef callee, ArrayRef<Arg> args) {
    call(callee, Type(), args);
  }
  void comment(const Twine &text) {
    // Cell statements and paths may hold a newline or a trailing backslash,
    // which would end or continue the comment.
    emitc::VerbatimOp::create(b, loc,
                              b.getStringAttr("// " + commentText(text.str())));
  }
  Attribute i64(int64_t v) override { return b.getI64IntegerAttr(v); }
  Attribute f32(double v) override {
    return b.getF32FloatAttr(static_cast<float>(v));
  }
  Attribute boolean(bool v) override { return b.getBoolAttr(v); }
  Attribute null() override {
    return emitc::OpaqueAttr::get(b.getContext(), "nullptr");
  }
  void call(StringRef callee, ArrayRef<Arg> args) override {
    call(callee, Type(), args);
  }
  Value context() override { return ctxValue; }
  int64_t batch() override { return o.batch; }

  /// A pointer accessor, emitted once per function.
  Value cached(StringRef fn, Type type, int64_t key) {
    Value &slot = cache[{fn.str(), key}];
    if (!slot)
      slot = call(fn, type, {frame, i64(key)});
    return slot;
  }

  // ---- buffers ----
  Value act(Value v) override {
    v = canonical(v);
    if (auto arg = dyn_cast<BlockArgument>(v))
      return cached("pipert::gen::input", constVoidPtr, arg.getArgNumber());
    const Buffer &buf = sb.act.lookup(v);
    return cached(buf.scratch ? "pipert::gen::scratch" : "pipert::gen::slot",
                  voidPtr, buf.offset);
  }
  Value actF32(Value v) override {
    const Buffer &buf = sb.act.lookup(canonical(v));
    return cached(buf.scratch ? "pipert::gen::scratchF32"
                              : "pipert::gen::slotF32",
                  floatPtr, buf.offset);
  }
  Value grad(Value v) override {
    return cached("pipert::gen::slot", voidPtr,
                  sb.grad.lookup(canonical(v)).offset);
  }
  Value saved(Operation *op) override {
    const Buffer &buf = sb.saved.lookup(op);
    return cached(buf.scratch ? "pipert::gen::scratchF32"
                              : "pipert::gen::slotF32",
                  floatPtr, buf.offset);
  }
  Value wsaved(Operation *op) override {
    return cached("pipert::gen::slotF32", floatPtr,
                  sb.wsaved.lookup(op).offset);
  }
  Value ids(Value v) override {
    auto arg = cast<BlockArgument>(canonical(v));
    return cached("pipert::gen::ids", idsPtr, arg.getArgNumber());
  }
  Value param(Operation *op, int which) override {
    return cached("pipert::gen::param", voidPtr, firstParam.lookup(op) + which);
  }
  Value paramGrad(Operation *op, int which) override {
    return cached("pipert::gen::grad", floatPtr, firstParam.lookup(op) + which);
  }
  Value lossScale() override {
    return call("pipert::gen::lossScale", b.getF32Type(), {frame});
  }
  bool isInput(Value v) override { return isa<BlockArgument>(canonical(v)); }

  void describe(Operation *op) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << op->getName().stripDialect();
    if (auto p = op->getAttrOfType<StringAttr>("param"))
      os << " " << p.getValue();
    os << ": ";
    llvm::interleaveComma(op->getOperands(), os, [&](Value v) {
      os << shapeString(v.getType(), o.batch);
    });
    os << " -> " << shapeString(op->getResult(0).getType(), o.batch);
    comment(text);
  }

  /// Runs `body` for each cell in order (reversed for backward), with the
  /// cell's comment and profiling marks around it.
  template <typename Fn> void forCells(bool reversed, Fn body) {
    SmallVector<CellOp> order(cells.begin(), cells.end());
    if (reversed)
      std::reverse(order.begin(), order.end());
    for (CellOp cell : order) {
      int c = cellIndex(model, cell);
      comment("cell " + Twine(c) + ": " + cell.getName() + "  [" +
              locString(cell.getLoc()) + "]");
      stmt("pipert::gen::beginCell", {frame, i64(c)});
      SmallVector<Operation *> ops;
      for (Operation &op : cell.getBody().front().without_terminator())
        ops.push_back(&op);
      if (reversed)
        std::reverse(ops.begin(), ops.end());
      for (Operation *op : ops)
        body(op);
      stmt("pipert::gen::endCell", {frame, i64(c)});
    }
  }

  // ---- F ----
  LogicalResult emitForward() {
    LogicalResult result = success();
    forCells(false, [&](Operation *op) {
      if (failed(forward(op)))
        result = failure();
    });
    if (failed(result))
      return failure();
    for (Value v : sb.outBoundary)
      if (sb.passActOut.count(v)) {
        comment("pass on a value defined before this stage");
        stmt("pipeops::copy_bytes",
             {ctxValue,
              cached("pipert::gen::slot", voidPtr, sb.passActOut.lookup(v)),
              act(v), i64(4 * elems(v))});
      }
    if (o.last) {
      Value loss = canonical(model.getReturnOp().getLoss());
      comment("the loss of this micro-batch");
      stmt("pipeops::copy_bytes",
           {ctxValue, call("pipert::gen::loss", floatPtr, {frame}),
            actF32(loss), i64(4)});
    }
    return success();
  }

  LogicalResult forward(Operation *op) {
    describe(op);
    auto facts = dyn_cast<ModelOpInterface>(op);
    if (!facts)
      return op->emitError("code generation does not support '")
             << op->getName() << "' yet";
    return facts.emitForward(*this);
  }

  /// A loss op's gradient is the runtime's loss scale, so its result may only
  /// be the model's returned loss.
  LogicalResult checkLoss(Operation *op) override {
    Value loss = canonical(model.getReturnOp().getLoss());
    if (op->getResult(0) != loss)
      return op->emitError("a loss op's result must be the model's returned "
                           "loss (it may not feed other ops)");
    return success();
  }

  // ---- B ----
  LogicalResult emitBackward(emitc::FuncOp) {
    for (Value v : sb.outBoundary)
      if (sb.passGradIn.count(v)) {
        comment("gradient of a value passed on: start from what came back");
        stmt("pipeops::copy_bytes",
             {ctxValue, grad(v),
              cached("pipert::gen::slot", voidPtr, sb.passGradIn.lookup(v)),
              i64(4 * elems(v))});
      }
    forCells(true, [&](Operation *op) {
      describe(op);
      backwardInput(op);
      if (!o.hasW)
        backwardWeight(op);
    });
    return success();
  }

  void backwardInput(Operation *op) {
    if (auto facts = dyn_cast<ModelOpInterface>(op))
      facts.emitBackwardInput(*this);
  }

  // ---- W ----
  void emitWeightGrad() {
    forCells(true, [&](Operation *op) {
      if (!firstParam.count(op))
        return;
      describe(op);
      backwardWeight(op);
    });
  }

  void backwardWeight(Operation *op) {
    if (auto facts = dyn_cast<ModelOpInterface>(op))
      facts.emitBackwardWeight(*this);
  }

  OpBuilder &b;
  ModelOp model;
  const StageBuffers &sb;
  const StageCodegenOptions &o;
  const llvm::DenseMap<Operation *, int> &firstParam;
  Location loc;
  SmallVector<CellOp> cells;
  Type frameType, ctxType, voidPtr, constVoidPtr, floatPtr, idsPtr;
  OpBuilder::InsertPoint savedPoint;
  Value frame, ctxValue;
  std::map<std::pair<std::string, int64_t>, Value> cache;
};

} // namespace

LogicalResult emitStageFunctions(
    OpBuilder &builder, ModelOp model, const StageBuffers &buffers,
    const StageCodegenOptions &options,
    const llvm::DenseMap<Operation *, int> &firstParam, StageFunctions &out) {
  return StageEmitter(builder, model, buffers, options, firstParam).emit(out);
}

} // namespace pipe::lowering
