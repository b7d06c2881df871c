//===- SpecCodegen.cpp - makeSpec() and main() of the generated program ---===//
//
// The program's decisions (stages, buffer plan, per-rank action lists,
// parameters, optimizer, data) are emitted as one readable aggregate
// initialisation per table, then `main` hands them to pipert::runMain.
//
//===----------------------------------------------------------------------===//
#include "pipe/Lowering/Codegen.h"
#include "pipe/Lowering/GeneratedText.h"
#include "pipe/Plan/Schedule.h"

#include "mlir/IR/OperationSupport.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace pipe::lowering {

static std::string quoted(StringRef s) { return cppQuoted(s); }

static std::string floatLiteral(double v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format("%.9g", v);
  if (s.find_first_of(".eEn") == std::string::npos)
    s += ".0";
  return s + "f";
}

template <typename T> static std::string list(const std::vector<T> &v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "{";
  llvm::interleaveComma(v, os);
  os << "}";
  return s;
}

uint64_t modelFingerprint(ModelOp model) {
  // FNV-1a over every op's name, result types and attributes (no locations),
  // skipping what passes attach for the strategy (the `pipe.` attributes such
  // as pipe.cost, which depend on batch, device and partition) and the
  // stage ops pipe-partition outlines (the partition, not the model).
  std::string text;
  llvm::raw_string_ostream os(text);
  model->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<StageOp>(op) ||
        (isa<YieldOp>(op) && isa<StageOp>(op->getParentOp())))
      return;
    os << op->getName() << '(' << op->getNumOperands() << ')';
    for (Type t : op->getResultTypes())
      os << ' ' << t;
    for (NamedAttribute attr : op->getAttrs())
      if (!attr.getName().getValue().starts_with("pipe."))
        os << ' ' << attr.getName().getValue() << '=' << attr.getValue();
    os << ';';
  });
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : os.str()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

namespace {
/// Collects the lines of makeSpec() and emits each as one emitc.verbatim.
struct Lines {
  OpBuilder &b;
  Location loc;
  void operator()(const Twine &line) {
    emitc::VerbatimOp::create(b, loc, b.getStringAttr(line.str()));
  }
};
} // namespace

void emitSpecAndMain(OpBuilder &b, Location loc, const ProgramDescription &p) {
  MLIRContext *ctx = b.getContext();
  Type specType = emitc::OpaqueType::get(ctx, "pipert::ModelSpec");
  auto makeSpec = emitc::FuncOp::create(b, loc, "makeSpec",
                                        b.getFunctionType({}, {specType}));
  makeSpec.setSpecifiersAttr(b.getStrArrayAttr({"static"}));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(makeSpec.addEntryBlock());
    Lines line{b, loc};
    line("using A = pipert::ActionKind;");
    line("pipert::ModelSpec spec;");
    line("spec.model = " + quoted(p.model) + ";");
    line("spec.source = " + quoted(p.source) + ";");
    line("spec.schedule = " + quoted(p.schedule) + ";");
    line("spec.fingerprint = " + Twine(p.fingerprint) + "ull;");
    line("spec.ranks = " + Twine(p.ranks) + ";");
    line("spec.virtualStages = " + Twine(p.virtualStages) + ";");
    line("spec.microbatches = " + Twine(p.microbatches) + ";");
    line("spec.batch = " + Twine(p.batch) + ";");
    line("spec.dataParallel = " + Twine(p.dataParallel) + ";");
    line(Twine("spec.precision = pipeops::DType::") +
         (p.bf16 ? "BF16" : "F32") + ";");
    line(
        "// Model inputs: name, element type, dims after the batch, id bound.");
    line("spec.inputs = {");
    for (const auto &in : p.inputs)
      line("    {" + quoted(in.name) +
           ", pipert::ElemType::" + (in.isInt ? "I32" : "F32") + ", " +
           list(in.sampleDims) + ", " + Twine(in.vocab) + "},");
    line("};");
    line("// Parameters: name, elements, init, std, stage, shape (and for a "
         "tied copy the index of its owner).");
    line("spec.params = {");
    static const char *inits[] = {"Normal", "Zeros", "Ones"};
    for (const ParamInfo &q : p.params)
      line("    {" + quoted(q.name) + ", " + Twine(q.elements) +
           ", pipert::Init::" + inits[q.init] + ", " + floatLiteral(q.std) +
           ", " + Twine(q.stage) + ", " + list(q.shape) +
           (q.tiedTo >= 0 ? ", " + std::to_string(q.tiedTo) : "") + "},");
    line("};");
    line("// Stages and their buffer plan (bytes): rank, slot, slots, scratch, "
         "act in (offset, bytes), act out, grad in (offset, bytes), grad out, "
         "params, cells, F, B, W.");
    line("spec.stages = {");
    for (size_t s = 0; s < p.stages.size(); ++s) {
      const auto &st = p.stages[s];
      const StageBuffers &sb = *st.buffers;
      int64_t gradInBytes = s + 1 < p.stages.size() ? sb.actOutBytes : 0;
      StageFunctions fns = st.functions;
      std::string w =
          fns.wgrad ? fns.wgrad.getSymName().str() : std::string("nullptr");
      line("    {" + Twine(st.rank) + ", " + Twine(sb.slotBytes) + ", " +
           Twine(st.slots) + ", " + Twine(sb.scratchBytes) + ", " +
           Twine(sb.actInOffset) + ", " + Twine(sb.actInBytes) + ", " +
           Twine(sb.actOutOffset) + ", " + Twine(sb.gradInOffset) + ", " +
           Twine(gradInBytes) + ", " + Twine(sb.gradOutOffset) + ", " +
           list(st.params) + ", " + list(st.cells) + ", " +
           fns.forward.getSymName() + ", " + fns.backward.getSymName() + ", " +
           w + "},");
    }
    line("};");
    line("// Each rank's program, in the order the compiler verified.");
    line("spec.programs.resize(" + Twine(p.programs.size()) + ");");
    // One verbatim op per rank (a large plan has millions of actions: a
    // string attribute per row would dominate the lowering), its rows
    // indented as the emitter indents each line of the function body.
    for (size_t r = 0; r < p.programs.size(); ++r) {
      std::string text = "spec.programs[" + std::to_string(r) + "] = {";
      int onRow = 0;
      // Six actions a row, separated by one space.
      for (const plan::Action &a : p.programs[r]) {
        text += onRow ? " {A::" : "\n    {A::";
        text += plan::actionKindName(a.kind);
        text += ", " + std::to_string(a.stage) + ", " + std::to_string(a.mb) +
                ", " + std::to_string(a.peer) + "},";
        onRow = (onRow + 1) % 6;
      }
      line(text + "\n};");
    }
    bool adamw = p.optimizer == "adamw";
    line(Twine("spec.optimizer = {pipert::OptimizerKind::") +
         (adamw ? "AdamW" : "SGD") + ", " + floatLiteral(p.lr) + ", " +
         floatLiteral(p.beta1) + ", " + floatLiteral(p.beta2) + ", " +
         floatLiteral(p.eps) + ", " + floatLiteral(p.weightDecay) + ", " +
         floatLiteral(p.momentum) + "};");
    std::string data = p.data == "bytes"    ? "Bytes"
                       : p.data == "tokens" ? "Tokens"
                                            : "Synthetic";
    line("spec.train = {" + Twine(p.steps) + ", " + Twine(p.seed) + ", " +
         Twine(p.logEvery) + ", pipert::DataKind::" + data + ", " +
         quoted(p.dataFile) + "};");
    line("spec.train.lrSchedule = pipert::LrSchedule::" + p.lrSchedule + ";");
    line("spec.train.warmup = " + Twine(p.warmup) + ";");
    line("spec.train.minLr = " + floatLiteral(p.minLr) + ";");
    line("spec.train.clipGrad = " + floatLiteral(p.clipGrad) + ";");
    if (!p.eval.empty()) {
      line(Twine("spec.train.eval = pipert::DataKind::") +
           (p.eval == "bytes" ? "Bytes" : "Tokens") + ";");
      line("spec.train.evalFile = " + quoted(p.evalFile) + ";");
      line("spec.train.evalEvery = " + Twine(p.evalEvery) + ";");
      line("spec.train.evalBatches = " + Twine(p.evalBatches) + ";");
    }
    line("spec.cellCutBytes = " + list(p.cellCutBytes) + ";");
    line("spec.tokensPerSample = " + Twine(p.tokensPerSample) + ";");
    line("// The plan's prediction (" + p.memoryBackend +
         " backend): peak bytes per rank, step time.");
    line("spec.predictedPeakBytes = " + list(p.predictedPeakBytes) + ";");
    line("spec.predictedMemoryBackend = " + quoted(p.memoryBackend) + ";");
    line("spec.predictedStepUs = " +
         Twine(llvm::formatv("{0:e16}", p.predictedStepUs).str()) + ";");
    Value spec = emitc::LiteralOp::create(b, loc, specType, "spec");
    emitc::ReturnOp::create(b, loc, spec);
  }

  Type intType = emitc::OpaqueType::get(ctx, "int");
  Type argvType = emitc::PointerType::get(
      emitc::PointerType::get(emitc::OpaqueType::get(ctx, "char")));
  auto mainFn = emitc::FuncOp::create(
      b, loc, "main", b.getFunctionType({intType, argvType}, {intType}));
  OpBuilder::InsertionGuard guard(b);
  Block *body = mainFn.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value spec =
      emitc::CallOp::create(b, loc, makeSpec, ValueRange{}).getResult(0);
  Value status =
      emitc::CallOpaqueOp::create(
          b, loc, TypeRange{intType}, "pipert::runMain",
          ValueRange{spec, body->getArgument(0), body->getArgument(1)})
          .getResult(0);
  emitc::ReturnOp::create(b, loc, status);
}

} // namespace pipe::lowering
