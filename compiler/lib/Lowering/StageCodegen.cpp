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

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace pipe::lowering {
namespace {

/// An argument of an opaque call: an SSA value or a literal attribute.
struct Arg {
  Arg(Value v) : value(v) {}
  Arg(Attribute a) : attr(a) {}
  Value value;
  Attribute attr;
};

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

class StageEmitter {
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
    int i = 0;
    for (CellOp cell : model.getCells()) {
      if (i >= sb.begin && i < sb.end)
        cells.push_back(cell);
      ++i;
    }
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
    saved = b.saveInsertionPoint();
    b.setInsertionPointToStart(body);
    frame = body->getArgument(0);
    cache.clear();
    context = call("pipert::gen::context", ctxType, {frame});
    return fn;
  }
  void end() {
    emitc::ReturnOp::create(b, loc, Value());
    b.restoreInsertionPoint(saved);
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
  Attribute i64(int64_t v) { return b.getI64IntegerAttr(v); }
  Attribute f32(double v) { return b.getF32FloatAttr(static_cast<float>(v)); }
  Attribute boolean(bool v) { return b.getBoolAttr(v); }
  Attribute null() { return emitc::OpaqueAttr::get(b.getContext(), "nullptr"); }

  /// A pointer accessor, emitted once per function.
  Value cached(StringRef fn, Type type, int64_t key) {
    Value &slot = cache[{fn.str(), key}];
    if (!slot)
      slot = call(fn, type, {frame, i64(key)});
    return slot;
  }

  // ---- buffers ----
  Value act(Value v) {
    v = canonical(v);
    if (auto arg = dyn_cast<BlockArgument>(v))
      return cached("pipert::gen::input", constVoidPtr, arg.getArgNumber());
    const Buffer &buf = sb.act.lookup(v);
    return cached(buf.scratch ? "pipert::gen::scratch" : "pipert::gen::slot",
                  voidPtr, buf.offset);
  }
  Value actF32(Value v) {
    const Buffer &buf = sb.act.lookup(canonical(v));
    return cached(buf.scratch ? "pipert::gen::scratchF32"
                              : "pipert::gen::slotF32",
                  floatPtr, buf.offset);
  }
  Value grad(Value v) {
    return cached("pipert::gen::slot", voidPtr,
                  sb.grad.lookup(canonical(v)).offset);
  }
  Value savedBuf(Operation *op) {
    const Buffer &buf = sb.saved.lookup(op);
    return cached(buf.scratch ? "pipert::gen::scratchF32"
                              : "pipert::gen::slotF32",
                  floatPtr, buf.offset);
  }
  Value wsavedBuf(Operation *op) {
    return cached("pipert::gen::slotF32", floatPtr,
                  sb.wsaved.lookup(op).offset);
  }
  Value ids(Value v) {
    auto arg = cast<BlockArgument>(canonical(v));
    return cached("pipert::gen::ids", idsPtr, arg.getArgNumber());
  }
  Value param(Operation *op, int which) {
    return cached("pipert::gen::param", voidPtr, firstParam.lookup(op) + which);
  }
  Value paramGrad(Operation *op, int which) {
    return cached("pipert::gen::grad", floatPtr, firstParam.lookup(op) + which);
  }
  Value lossScale() {
    return call("pipert::gen::lossScale", b.getF32Type(), {frame});
  }
  bool isInput(Value v) { return isa<BlockArgument>(canonical(v)); }

  int64_t elems(Value v) { return numElements(v.getType(), o.batch); }
  int64_t last(Value v) {
    return cast<RankedTensorType>(v.getType()).getShape().back();
  }
  int64_t rows(Value v) { return elems(v) / last(v); }

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
             {context,
              cached("pipert::gen::slot", voidPtr, sb.passActOut.lookup(v)),
              act(v), i64(4 * elems(v))});
      }
    if (o.last) {
      Value loss = canonical(model.getReturnOp().getLoss());
      comment("the loss of this micro-batch");
      stmt("pipeops::copy_bytes",
           {context, call("pipert::gen::loss", floatPtr, {frame}), actF32(loss),
            i64(4)});
    }
    return success();
  }

  LogicalResult forward(Operation *op) {
    describe(op);
    Value out = op->getNumResults() ? op->getResult(0) : Value();
    return llvm::TypeSwitch<Operation *, LogicalResult>(op)
        .Case([&](EmbeddingOp e) {
          Value idsV = e.getIds();
          stmt("pipeops::embedding_forward",
               {context, act(out), ids(idsV), param(op, 0),
                e.getPositional() ? Arg(param(op, 1)) : Arg(null()),
                i64(elems(idsV)), i64(last(idsV)), i64(e.getVocab()),
                i64(e.getDim())});
          return success();
        })
        .Case([&](LinearOp l) {
          Value in = l.getInput();
          stmt("pipeops::linear_forward",
               {context, act(out), act(in), param(op, 0),
                l.getBias() ? Arg(param(op, 1)) : Arg(null()), i64(rows(in)),
                i64(last(in)), i64(l.getOutFeatures())});
          return success();
        })
        .Case([&](LayerNormOp n) {
          Value in = n.getInput();
          stmt("pipeops::layernorm_forward",
               {context, act(out), savedBuf(op), act(in), param(op, 0),
                param(op, 1), i64(rows(in)), i64(last(in)),
                f32(n.getEps().convertToDouble())});
          return success();
        })
        .Case([&](RMSNormOp n) {
          Value in = n.getInput();
          stmt("pipeops::rmsnorm_forward",
               {context, act(out), savedBuf(op), act(in), param(op, 0),
                i64(rows(in)), i64(last(in)),
                f32(n.getEps().convertToDouble())});
          return success();
        })
        .Case<GeluOp, ReluOp, SiluOp>([&](Operation *) {
          std::string fn =
              ("pipeops::" + op->getName().stripDialect() + "_forward").str();
          Value in = op->getOperand(0);
          stmt(fn, {context, act(out), act(in), i64(elems(in))});
          return success();
        })
        .Case<AddOp, MulOp>([&](Operation *) {
          std::string fn =
              ("pipeops::" + op->getName().stripDialect() + "_forward").str();
          stmt(fn, {context, act(out), act(op->getOperand(0)),
                    act(op->getOperand(1)), i64(elems(out))});
          return success();
        })
        .Case([&](ExternCallOp e) {
          // extern_ops.h (generated beside the model): NAME_forward_op.
          SmallVector<Arg> args = {context, act(out)};
          for (Value in : e.getInputs())
            args.push_back(act(in));
          args.push_back(i64(elems(out)));
          stmt((e.getCallee() + "_forward_op").str(), args);
          return success();
        })
        .Case([&](AttentionOp a) {
          Value x = a.getInput();
          auto shape = cast<RankedTensorType>(x.getType()).getShape();
          stmt("pipeops::attention_forward",
               {context, act(out), savedBuf(op), act(x), param(op, 0),
                param(op, 1), param(op, 2), param(op, 3), i64(o.batch),
                i64(shape[1]), i64(shape[2]), i64(a.getHeads()),
                i64(a.getKvHeads()), boolean(a.getCausal()),
                boolean(a.getRope())});
          return success();
        })
        .Case([&](CrossEntropyOp ce) -> LogicalResult {
          if (failed(checkLoss(op)))
            return failure();
          Value logits = ce.getLogits();
          stmt("pipeops::cross_entropy_forward",
               {context, actF32(out), savedBuf(op), act(logits),
                ids(ce.getTargets()), i64(rows(logits)), i64(last(logits))});
          return success();
        })
        .Case([&](MseOp m) -> LogicalResult {
          if (failed(checkLoss(op)))
            return failure();
          stmt("pipeops::mse_forward",
               {context, actF32(out), act(m.getPred()), act(m.getTarget()),
                i64(elems(m.getPred()))});
          return success();
        })
        .Default([&](Operation *) {
          return op->emitError("code generation does not support '")
                 << op->getName() << "' yet";
        });
  }

  /// A loss op's gradient is the runtime's loss scale, so its result may only
  /// be the model's returned loss.
  LogicalResult checkLoss(Operation *op) {
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
             {context, grad(v),
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
    Value out = op->getResult(0);
    llvm::TypeSwitch<Operation *>(op)
        .Case([&](LinearOp l) {
          Value in = l.getInput();
          if (isInput(in))
            return;
          stmt("pipeops::linear_backward_input",
               {context, grad(in), grad(out), param(op, 0), i64(rows(in)),
                i64(last(in)), i64(l.getOutFeatures())});
        })
        .Case([&](LayerNormOp n) {
          Value in = n.getInput();
          if (isInput(in))
            return;
          stmt("pipeops::layernorm_backward_input",
               {context, grad(in), grad(out), act(in), savedBuf(op),
                param(op, 0), i64(rows(in)), i64(last(in))});
        })
        .Case([&](RMSNormOp n) {
          Value in = n.getInput();
          if (isInput(in))
            return;
          stmt("pipeops::rmsnorm_backward_input",
               {context, grad(in), grad(out), act(in), savedBuf(op),
                param(op, 0), i64(rows(in)), i64(last(in))});
        })
        .Case<GeluOp, ReluOp, SiluOp>([&](Operation *) {
          Value in = op->getOperand(0);
          if (isInput(in))
            return;
          std::string fn =
              ("pipeops::" + op->getName().stripDialect() + "_backward_input")
                  .str();
          stmt(fn, {context, grad(in), grad(out), act(in), i64(elems(in))});
        })
        .Case([&](AddOp a) {
          stmt("pipeops::add_backward_input",
               {context, grad(a.getLhs()), grad(a.getRhs()), grad(out),
                i64(elems(out))});
        })
        .Case([&](MulOp m) {
          stmt("pipeops::mul_backward_input",
               {context, grad(m.getLhs()), grad(m.getRhs()), grad(out),
                act(m.getLhs()), act(m.getRhs()), i64(elems(out))});
        })
        .Case([&](ExternCallOp e) {
          SmallVector<Arg> args = {context};
          for (Value in : e.getInputs())
            args.push_back(grad(in));
          args.push_back(grad(out));
          for (Value in : e.getInputs())
            args.push_back(act(in));
          args.push_back(i64(elems(out)));
          stmt((e.getCallee() + "_backward_op").str(), args);
        })
        .Case([&](AttentionOp a) {
          Value x = a.getInput();
          auto shape = cast<RankedTensorType>(x.getType()).getShape();
          stmt("pipeops::attention_backward_input",
               {context, grad(x), wsavedBuf(op), grad(out), act(x),
                savedBuf(op), param(op, 0), param(op, 1), param(op, 2),
                param(op, 3), i64(o.batch), i64(shape[1]), i64(shape[2]),
                i64(a.getHeads()), i64(a.getKvHeads()), boolean(a.getCausal()),
                boolean(a.getRope())});
        })
        .Case([&](CrossEntropyOp ce) {
          Value logits = ce.getLogits();
          stmt("pipeops::cross_entropy_backward_input",
               {context, grad(logits), lossScale(), act(logits),
                ids(ce.getTargets()), savedBuf(op), i64(rows(logits)),
                i64(last(logits))});
        })
        .Case([&](MseOp m) {
          stmt("pipeops::mse_backward_input",
               {context, grad(m.getPred()), lossScale(), act(m.getPred()),
                act(m.getTarget()), i64(elems(m.getPred()))});
        });
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
    Value out = op->getResult(0);
    llvm::TypeSwitch<Operation *>(op)
        .Case([&](EmbeddingOp e) {
          Value idsV = e.getIds();
          stmt("pipeops::embedding_backward_weight",
               {context, paramGrad(op, 0),
                e.getPositional() ? Arg(paramGrad(op, 1)) : Arg(null()),
                grad(out), ids(idsV), i64(elems(idsV)), i64(last(idsV)),
                i64(e.getVocab()), i64(e.getDim())});
        })
        .Case([&](LinearOp l) {
          Value in = l.getInput();
          stmt("pipeops::linear_backward_weight",
               {context, paramGrad(op, 0),
                l.getBias() ? Arg(paramGrad(op, 1)) : Arg(null()), grad(out),
                act(in), i64(rows(in)), i64(last(in)),
                i64(l.getOutFeatures())});
        })
        .Case([&](LayerNormOp n) {
          Value in = n.getInput();
          stmt("pipeops::layernorm_backward_weight",
               {context, paramGrad(op, 0), paramGrad(op, 1), grad(out), act(in),
                savedBuf(op), i64(rows(in)), i64(last(in))});
        })
        .Case([&](RMSNormOp n) {
          Value in = n.getInput();
          stmt("pipeops::rmsnorm_backward_weight",
               {context, paramGrad(op, 0), grad(out), act(in), savedBuf(op),
                i64(rows(in)), i64(last(in))});
        })
        .Case([&](AttentionOp a) {
          Value x = a.getInput();
          auto shape = cast<RankedTensorType>(x.getType()).getShape();
          stmt("pipeops::attention_backward_weight",
               {context, paramGrad(op, 0), paramGrad(op, 1), paramGrad(op, 2),
                paramGrad(op, 3), grad(out), act(x), savedBuf(op),
                wsavedBuf(op), i64(o.batch), i64(shape[1]), i64(shape[2]),
                i64(a.getHeads()), i64(a.getKvHeads()), boolean(a.getCausal()),
                boolean(a.getRope())});
        });
  }

  OpBuilder &b;
  ModelOp model;
  const StageBuffers &sb;
  const StageCodegenOptions &o;
  const llvm::DenseMap<Operation *, int> &firstParam;
  Location loc;
  SmallVector<CellOp> cells;
  Type frameType, ctxType, voidPtr, constVoidPtr, floatPtr, idsPtr;
  OpBuilder::InsertPoint saved;
  Value frame, context;
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
