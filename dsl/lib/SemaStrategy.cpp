//===- SemaStrategy.cpp - pipeline/train keys, --set, strategy rules -----===//
#include "Sema.h"
#include "mlir/IR/Diagnostics.h"
#include "pipe/Plan/DeviceProfile.h"
#include "pipe/Plan/ScheduleTable.h"
#include "pipe/dsl/Parser.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace pipe::dsl;
using namespace pipe::dsl::sema;
using ast::Expr;

static const char *const kPipelineKeys[] = {
    "ranks",     "virtual",   "microbatches", "batch",  "schedule",
    "partition", "recompute", "precision",    "device", "data_parallel"};
// Applied in this order: lr_schedule checks against steps and the optimizer's
// lr, eval_every and eval_batches against eval.
static const char *const kTrainKeys[] = {
    "optimizer",   "steps",     "data", "seed",       "log_every",
    "lr_schedule", "clip_grad", "eval", "eval_every", "eval_batches"};

static bool isPipelineKey(llvm::StringRef key) {
  return llvm::is_contained(kPipelineKeys, key);
}
static bool isTrainKey(llvm::StringRef key) {
  return llvm::is_contained(kTrainKeys, key);
}

bool Analyzer::collectEntry(const ast::KeyValue &kv, bool fromOverride) {
  auto prev = entries.find(kv.key);
  if (prev != entries.end() && !fromOverride) {
    if (!failed)
      mlir::emitError(fileLoc(kv.loc), "repeated key '" + kv.key + "'")
              .attachNote(fileLoc(prev->second->loc))
          << "first set here";
    failed = true;
    return false;
  }
  entries[kv.key] = &kv;
  return true;
}

bool Analyzer::analyzeSections() {
  env = nullptr;
  callStack.clear();
  for (const ast::SectionDecl *s : {pipelineDecl, trainDecl}) {
    if (!s)
      continue;
    bool isPipeline = s->kind == ast::Decl::Kind::Pipeline;
    size_t visible = entryVisibility[isPipeline ? "pipeline" : "train"];
    for (const ast::KeyValue &kv : s->entries) {
      if (isPipeline ? !isPipelineKey(kv.key) : !isTrainKey(kv.key)) {
        std::string hint =
            (isPipeline ? isTrainKey(kv.key) : isPipelineKey(kv.key))
                ? (isPipeline ? " (it is a train key)"
                              : " (it is a pipeline key)")
                : "";
        return error(kv.loc, llvm::Twine("unknown ") +
                                 (isPipeline ? "pipeline" : "train") +
                                 " key '" + kv.key + "'" + hint);
      }
      if (!collectEntry(kv, false))
        return false;
      entryVisibility[kv.key] = visible;
    }
  }
  // --set KEY=VALUE: parsed from its own buffer, checked like file text.
  for (const Override &o : overrides) {
    std::string text = o.key + "=" + o.value;
    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(text, "--set " + text);
    unsigned id = sm.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
    Parser parser(sm, id, ctx);
    auto kv = parser.parseKeyValueBuffer();
    if (!kv)
      return failed = true, false;
    auto owned = std::make_unique<ast::KeyValue>(std::move(*kv));
    if (!isPipelineKey(owned->key) && !isTrainKey(owned->key))
      return error(owned->loc, "unknown key '" + owned->key +
                                   "'; --set takes a pipeline or train key");
    collectEntry(*owned, true);
    entryVisibility[owned->key] = file.decls.size();
    overrideEntries.push_back(std::move(owned));
  }
  for (const char *key : kPipelineKeys) {
    auto it = entries.find(key);
    if (it == entries.end())
      continue;
    visibleBefore = entryVisibility[key];
    if (!applyPipelineKey(*it->second))
      return false;
  }
  if (!entries.count("microbatches"))
    program.strategy.microbatches = 4 * program.strategy.ranks;
  for (const char *key : kTrainKeys) {
    auto it = entries.find(key);
    if (it == entries.end())
      continue;
    visibleBefore = entryVisibility[key];
    if (!applyTrainKey(*it->second))
      return false;
  }
  program.strategy.loc = pipelineDecl
                             ? mlir::LocationAttr(fileLoc(pipelineDecl->loc))
                             : program.model.loc;
  // Errors about the whole strategy (memory, size) that a --set pipeline key
  // took part in point at the (last) --set: it is what the user changed.
  for (const auto &o : overrideEntries)
    if (isPipelineKey(o->key))
      program.strategy.loc = fileLoc(o->loc);
  return checkStrategyRules();
}

/// A bare word value (`balanced`, `h100`), or "" when the value is not one.
static llvm::StringRef wordOf(const Expr &e) {
  if (e.kind == Expr::Kind::Name || e.kind == Expr::Kind::Word)
    return e.text;
  return "";
}

bool Analyzer::applyPipelineKey(const ast::KeyValue &kv) {
  Strategy &st = program.strategy;
  const Expr &v = *kv.value;
  llvm::StringRef key = kv.key;
  std::string what = ("'" + key + "'").str();
  if (key == "ranks" || key == "virtual" || key == "microbatches" ||
      key == "batch" || key == "data_parallel") {
    auto n = evalInt(v, what, 1);
    if (!n)
      return false;
    (key == "ranks"          ? st.ranks
     : key == "virtual"      ? st.virtualStages
     : key == "microbatches" ? st.microbatches
     : key == "batch"        ? st.batch
                             : st.dataParallel) = *n;
    return true;
  }
  if (key == "schedule") {
    // The names are the schedule table's rows, plus auto.
    std::optional<Schedule> s = symbolizeScheduleKind(wordOf(v));
    if (wordOf(v).empty() || !s)
      return error(
          v.loc,
          "unknown schedule" +
              (wordOf(v).empty() ? llvm::Twine("") : " '" + wordOf(v) + "'") +
              "; expected " + plan::scheduleNames() + " or auto");
    st.schedule = *s;
    return true;
  }
  if (key == "partition") {
    // A bare word names a partitioner; only manual takes a list.
    std::optional<PartitionKind> word = symbolizePartitionKind(wordOf(v));
    if (word && *word != PartitionKind::Manual) {
      st.partition = *word;
      return true;
    }
    if (v.kind != Expr::Kind::Call || v.text != "manual")
      return error(v.loc, "expected a partition: balanced, uniform or "
                          "manual(n1, n2, ...)");
    if (!v.named.empty())
      return error(v.named[0].loc, "manual(...) takes cell counts, not named "
                                   "arguments");
    if (v.operands.empty())
      return error(v.loc, "manual(...) needs one cell count per stage");
    st.partition = PartitionKind::Manual;
    for (const ast::ExprPtr &n : v.operands) {
      auto cells = evalInt(*n, "a manual stage's cell count", 1);
      if (!cells)
        return false;
      st.manual.push_back(*cells);
    }
    return true;
  }
  if (key == "recompute") {
    if (v.kind != Expr::Kind::Bool)
      return error(v.loc, "'recompute' must be true or false");
    st.recompute = v.boolValue;
    return true;
  }
  if (key == "precision") {
    std::optional<Precision> precision = symbolizePrecision(wordOf(v));
    if (wordOf(v).empty() || !precision)
      return error(v.loc, "expected a precision: f32 or bf16");
    st.precision = *precision;
    return true;
  }
  // device
  st.deviceLoc = fileLoc(kv.loc);
  if (v.kind == Expr::Kind::String) {
    if (v.text.empty())
      return error(v.loc, "the device profile path is empty");
    st.device = resolvePath(v.text);
    st.deviceIsFile = true;
    return true;
  }
  llvm::StringRef dev = wordOf(v);
  if (dev != "h100" && dev != "h200" && dev != "a100" && dev != "cpu")
    return error(v.loc, "expected a device: h100, h200, a100, cpu or a "
                        "profile path in quotes");
  st.device = dev.str();
  st.deviceIsFile = false;
  return true;
}

bool Analyzer::applyTrainKey(const ast::KeyValue &kv) {
  Train &tr = program.train;
  const Expr &v = *kv.value;
  llvm::StringRef key = kv.key;
  if (key == "lr_schedule" || key == "clip_grad" || key.starts_with("eval"))
    return applyRecipeKey(kv);
  if (key == "steps" || key == "log_every" || key == "seed") {
    auto n = evalInt(v, "'" + key.str() + "'", key == "seed" ? 0 : 1);
    if (!n)
      return false;
    (key == "steps" ? tr.steps : key == "seed" ? tr.seed : tr.logEvery) = *n;
    return true;
  }
  if (key == "data") {
    if (wordOf(v) == "synthetic") {
      tr.data = DataKind::Synthetic;
      return true;
    }
    if (v.kind != Expr::Kind::Call || (v.text != "bytes" && v.text != "tokens"))
      return error(v.loc, "expected data: synthetic, bytes(\"FILE\") or "
                          "tokens(\"FILE\")");
    if (v.operands.size() != 1 || !v.named.empty() ||
        v.operands[0]->kind != Expr::Kind::String)
      return error(v.loc, v.text + "(...) takes one file name in quotes");
    tr.data = v.text == "bytes" ? DataKind::Bytes : DataKind::Tokens;
    tr.dataFile = resolvePath(v.operands[0]->text);
    return checkData(kv);
  }
  // optimizer
  std::optional<OptimizerKind> optimizer = v.kind == Expr::Kind::Call
                                               ? symbolizeOptimizerKind(v.text)
                                               : std::nullopt;
  if (!optimizer)
    return error(v.loc, "expected an optimizer: adamw(lr: ...) or "
                        "sgd(lr: ...)");
  tr.optimizer = *optimizer;
  bool adamw = *optimizer == OptimizerKind::AdamW;
  bool sgd = *optimizer == OptimizerKind::SGD;
  if (!v.operands.empty())
    return error(v.operands[0]->loc, v.text + "(...) takes named arguments, "
                                              "e.g. lr: 1e-3");
  llvm::StringMap<bool> seen;
  for (const ast::NamedArg &arg : v.named) {
    double *field = llvm::StringSwitch<double *>(arg.name)
                        .Case("lr", &tr.lr)
                        .Case("beta1", adamw ? &tr.beta1 : nullptr)
                        .Case("beta2", adamw ? &tr.beta2 : nullptr)
                        .Case("eps", adamw ? &tr.eps : nullptr)
                        .Case("weight_decay", adamw ? &tr.weightDecay : nullptr)
                        .Case("momentum", sgd ? &tr.momentum : nullptr)
                        .Default(nullptr);
    if (!field)
      return error(arg.loc,
                   "'" + v.text + "' has no argument named '" + arg.name + "'");
    if (!seen.try_emplace(arg.name, true).second)
      return error(arg.loc, "argument '" + arg.name + "' of '" + v.text +
                                "' is given twice");
    auto c = evalConstant(*arg.value);
    if (!c)
      return false;
    double x = c->asDouble();
    bool unit = arg.name.rfind("beta", 0) == 0 || arg.name == "momentum";
    bool ok = unit                         ? (x >= 0 && x < 1)
              : arg.name == "weight_decay" ? x >= 0
                                           : x > 0;
    if (!ok)
      return error(arg.value->loc,
                   "'" + arg.name + "' must be " +
                       (unit                         ? "in [0, 1)"
                        : arg.name == "weight_decay" ? "at least 0"
                                                     : "positive") +
                       ", got " + c->str());
    *field = x;
  }
  if (!seen.count("lr"))
    return error(v.loc, "missing argument 'lr' in call to '" + v.text + "'");
  return true;
}

/// bytes/tokens data feed a model whose two inputs are i32[batch, S].
bool Analyzer::checkData(const ast::KeyValue &kv) {
  const auto &in = program.model.inputs;
  bool ok = in.size() == 2;
  for (size_t i = 0; ok && i < 2; ++i)
    ok = in[i].type.dtype == DType::I32 && in[i].type.dims.size() == 2 &&
         in[i].type.dims == in[0].type.dims;
  if (ok)
    return true;
  std::string got;
  for (const ModelInput &i : in)
    got += (got.empty() ? "" : ", ") + i.name + ": " + str(i.type);
  return error(kv.value->loc, kv.value->text +
                                  " data needs a model with two inputs "
                                  "i32[batch, S]; model '" +
                                  program.model.name + "' has (" + got + ")");
}

bool Analyzer::checkStrategyRules() {
  const Strategy &st = program.strategy;
  auto at = [&](llvm::StringRef key, llvm::StringRef fallback) {
    if (entries.count(key))
      return entries[key]->loc;
    if (entries.count(fallback))
      return entries[fallback]->loc;
    return pipelineDecl ? pipelineDecl->loc : ast::Loc{file.name, 1, 1};
  };
  // The schedule's rule on virtual is its row of the schedule table; auto's
  // search chooses virtual.
  if (st.schedule != Schedule::Auto) {
    const plan::ScheduleInfo &row = plan::scheduleInfo(st.schedule);
    if (!plan::allowsVirtual(row, st.virtualStages))
      return error(at("schedule", "virtual"),
                   "schedule '" + std::string(plan::scheduleName(row.kind)) +
                       "' needs " + plan::virtualRule(row) +
                       ", got virtual = " + std::to_string(st.virtualStages));
  }
  // A profile file is read here, so that what is wrong with it is reported
  // at the `device` that names it.
  if (st.deviceIsFile) {
    llvm::Expected<plan::DeviceProfile> device =
        plan::loadDeviceProfileFile(st.device);
    if (!device)
      return error(entries["device"]->value->loc,
                   llvm::toString(device.takeError()));
  }
  int64_t cells = program.model.cells.size();
  // Under auto (without a manual list, which fixes the stages) the search
  // chooses virtual, so only the ranks themselves must not exceed the cells.
  bool searchesVirtual =
      st.schedule == Schedule::Auto && st.partition != PartitionKind::Manual;
  if (searchesVirtual && st.ranks > cells)
    return error(at("ranks", "schedule"), "the strategy has " +
                                              std::to_string(st.ranks) +
                                              " ranks but the model has only " +
                                              std::to_string(cells) + " cells");
  if (!searchesVirtual && st.stages() > cells)
    return error(at("ranks", "virtual"),
                 "the strategy has " + std::to_string(st.stages()) +
                     " stages (ranks " + std::to_string(st.ranks) +
                     " x virtual " + std::to_string(st.virtualStages) +
                     ") but the model has only " + std::to_string(cells) +
                     " cells");
  if (st.partition == PartitionKind::Manual) {
    ast::Loc loc = entries["partition"]->value->loc;
    if (static_cast<int64_t>(st.manual.size()) != st.stages())
      return error(loc, "manual partition has " +
                            std::to_string(st.manual.size()) +
                            " entries but the strategy has " +
                            std::to_string(st.stages()) + " stages");
    int64_t sum = 0;
    for (int64_t n : st.manual)
      sum += n;
    if (sum != cells)
      return error(loc, "manual partition covers " + std::to_string(sum) +
                            " cells but the model has " +
                            std::to_string(cells));
  }
  return true;
}
