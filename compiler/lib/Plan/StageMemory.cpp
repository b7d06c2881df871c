//===- StageMemory.cpp - Buffer plan and rank bytes, one model for all ----===//
#include "pipe/Plan/StageMemory.h"

#include <algorithm>
#include <set>

namespace pipe::plan {

MemoryBackend memoryBackendFor(const DeviceProfile &device) {
  return device.hostBackend ? MemoryBackend::Host : MemoryBackend::Cuda;
}

const char *memoryBackendName(MemoryBackend backend) {
  return backend == MemoryBackend::Host ? "host" : "cuda";
}

static int64_t roundUp(int64_t bytes, int64_t align) {
  return (bytes + align - 1) / align * align;
}

int64_t allocationBytes(int64_t bytes) {
  return bytes <= 0 ? 0 : roundUp(bytes, kAllocationAlign);
}

int64_t slotBufferBytes(const TensorDesc &value) {
  return roundUp(4 * value.elements(), kSlotAlign);
}

int64_t paddedParamFloats(int64_t elements) {
  return roundUp(elements, kParamAlignFloats);
}

/// The last cell reading each value (the model's outputs count as read by
/// the last cell), -1 when none does.
static std::vector<int> lastUses(const ModelDesc &model) {
  std::vector<int> last(model.values.size(), -1);
  int n = int(model.cells.size());
  for (int c = 0; c < n; ++c)
    for (const OpDesc &op : model.cells[c].ops)
      for (int v : op.operands)
        last[v] = std::max(last[v], c);
  for (int v : model.outputs)
    last[v] = std::max(last[v], n - 1);
  return last;
}

static std::vector<int> boundaryFrom(const ModelDesc &model,
                                     const std::vector<int> &last, int cut) {
  std::vector<int> out;
  for (int c = 0; c < cut && c < int(model.cells.size()); ++c)
    for (int v : model.cells[c].results)
      if (last[v] >= cut)
        out.push_back(v);
  return out;
}

std::vector<int> boundaryIds(const ModelDesc &model, int cut) {
  return boundaryFrom(model, lastUses(model), cut);
}

namespace {
/// Hands out aligned byte ranges of one arena.
struct Arena {
  int64_t size = 0;
  bool scratch = false;
  BufferRange take(int64_t bytes) {
    BufferRange b{size, bytes, scratch};
    size += roundUp(bytes, kSlotAlign);
    return b;
  }
};
} // namespace

static int64_t bytesOf(const ModelDesc &m, int v) {
  return 4 * m.values[v].elements();
}

StageLayout layoutStage(const ModelDesc &model, int begin, int end,
                        bool recompute, const std::vector<int> *in,
                        const std::vector<int> *out) {
  StageLayout sl;
  int n = int(model.cells.size());
  std::vector<int> last = lastUses(model);
  if (in)
    sl.inBoundary = *in;
  else if (begin > 0)
    sl.inBoundary = boundaryFrom(model, last, begin);
  if (out)
    sl.outBoundary = *out;
  else if (end < n)
    sl.outBoundary = boundaryFrom(model, last, end);
  std::set<int> received(sl.inBoundary.begin(), sl.inBoundary.end());

  Arena slot, scratch;
  scratch.scratch = true;
  // Boundaries first, so a transfer is one contiguous range.
  sl.actInOffset = slot.size;
  for (int v : sl.inBoundary)
    sl.act[v] = slot.take(bytesOf(model, v));
  sl.actInBytes = slot.size - sl.actInOffset;
  sl.actOutOffset = slot.size;
  for (int v : sl.outBoundary) {
    BufferRange b = slot.take(bytesOf(model, v));
    if (received.count(v))
      sl.passActOut[v] = b.offset;
    else
      sl.act[v] = b;
  }
  sl.actOutBytes = slot.size - sl.actOutOffset;
  // Activations and saved buffers: kept per micro-batch, or in scratch when
  // backward recomputes them. Scalar losses stay in the slot.
  for (int c = begin; c < end; ++c)
    for (size_t i = 0; i < model.cells[c].ops.size(); ++i) {
      const OpDesc &op = model.cells[c].ops[i];
      if (!sl.act.count(op.result)) {
        bool scalar = model.values[op.result].dims.empty();
        sl.act[op.result] = recompute && !scalar
                                ? scratch.take(bytesOf(model, op.result))
                                : slot.take(bytesOf(model, op.result));
      }
      if (op.savedFloats)
        sl.saved[{c, int(i)}] = recompute ? scratch.take(4 * op.savedFloats)
                                          : slot.take(4 * op.savedFloats);
    }
  // Gradients: w.r.t. the input boundary (sent back), the output boundary
  // (received), then every other float value the stage uses.
  sl.gradOutOffset = slot.size;
  for (int v : sl.inBoundary)
    sl.grad[v] = slot.take(bytesOf(model, v));
  sl.gradInOffset = slot.size;
  for (int v : sl.outBoundary) {
    BufferRange b = slot.take(bytesOf(model, v));
    if (received.count(v))
      sl.passGradIn[v] = b.offset;
    else
      sl.grad[v] = b;
  }
  for (int c = begin; c < end; ++c)
    for (size_t i = 0; i < model.cells[c].ops.size(); ++i) {
      const OpDesc &op = model.cells[c].ops[i];
      for (int v : op.operands)
        if (!model.values[v].isInt && !sl.grad.count(v))
          sl.grad[v] = slot.take(bytesOf(model, v));
      if (!model.values[op.result].dims.empty() && !sl.grad.count(op.result))
        sl.grad[op.result] = slot.take(bytesOf(model, op.result));
      if (op.wsavedFloats)
        sl.wsaved[{c, int(i)}] = slot.take(4 * op.wsavedFloats);
    }
  sl.slotBytes = slot.size;
  sl.scratchBytes = scratch.size;
  return sl;
}

// The table decomposes layoutStage. For [b, e) the slot holds the input
// boundary twice (act in, grad out) and the output boundary twice (act out,
// grad in); every op result not in the output boundary adds its activation
// (scratch under recompute unless scalar) and its gradient (when not scalar,
// or a scalar another op reads: it then gets one in the op's stage, or is in
// the output boundary); saved and wsaved add theirs; a float model input read
// in the stage adds its gradient once.
StageMemoryTable::StageMemoryTable(const ModelDesc &model, bool recompute)
    : n(int(model.cells.size())), recompute(recompute) {
  std::vector<int> last = lastUses(model);
  std::vector<int> defCell(model.values.size(), -1);
  std::vector<bool> readByOp(model.values.size(), false);
  for (int c = 0; c < n; ++c)
    for (const OpDesc &op : model.cells[c].ops) {
      defCell[op.result] = c;
      for (int v : op.operands)
        readByOp[v] = true;
    }
  auto align = [](int64_t b) { return roundUp(b, kSlotAlign); };
  // Each op result's own buffers (activation + gradient) in slot / scratch.
  std::vector<int64_t> ownSlot(model.values.size(), 0),
      ownScratch(model.values.size(), 0);
  slotPre.assign(n + 1, 0);
  scratchPre.assign(n + 1, 0);
  for (int c = 0; c < n; ++c) {
    int64_t s = 0, x = 0;
    for (const OpDesc &op : model.cells[c].ops) {
      int r = op.result;
      int64_t a = align(bytesOf(model, r));
      bool scalar = model.values[r].dims.empty();
      bool floatScalarRead = scalar && !model.values[r].isInt && readByOp[r];
      (recompute && !scalar ? ownScratch[r] : ownSlot[r]) += a;
      if (!scalar || floatScalarRead)
        ownSlot[r] += a;
      s += ownSlot[r];
      x += ownScratch[r];
      int64_t saved = align(4 * op.savedFloats);
      (recompute ? x : s) += saved;
      s += align(4 * op.wsavedFloats);
    }
    slotPre[c + 1] = slotPre[c] + s;
    scratchPre[c + 1] = scratchPre[c] + x;
  }
  // A result of cell c crosses every cut in (c, its last use], in the order
  // boundaryFrom lists them: by defining cell, then result order.
  cuts.assign(n + 1, {});
  for (int c = 0; c < n; ++c)
    for (int v : model.cells[c].results)
      for (int cut = c + 1; cut <= std::min(last[v], n - 1); ++cut)
        cuts[cut].push_back({v, defCell[v], align(bytesOf(model, v)),
                             ownSlot[v], ownScratch[v]});
  for (int v = 0; v < model.numInputs; ++v) {
    if (model.values[v].isInt)
      continue;
    std::vector<int> cells;
    for (int c = 0; c < n; ++c)
      for (const OpDesc &op : model.cells[c].ops)
        if (std::count(op.operands.begin(), op.operands.end(), v) &&
            (cells.empty() || cells.back() != c))
          cells.push_back(c);
    if (!cells.empty())
      inputUses.push_back({align(bytesOf(model, v)), std::move(cells)});
  }
}

int64_t StageMemoryTable::slotBytes(int b, int e) const {
  int64_t bytes = slotPre[e] - slotPre[b];
  if (b > 0)
    for (const Crossing &x : cuts[b])
      bytes += 2 * x.bytes;
  if (e < n)
    for (const Crossing &x : cuts[e]) {
      bytes += 2 * x.bytes;
      if (x.defCell >= b && x.defCell < e)
        bytes -= x.slotPart; // its buffers are the boundary's
    }
  for (const auto &[inputBytes, cells] : inputUses) {
    auto it = std::lower_bound(cells.begin(), cells.end(), b);
    if (it != cells.end() && *it < e)
      bytes += inputBytes;
  }
  return bytes;
}

int64_t StageMemoryTable::slotUpperBound() const {
  int64_t widest = 0, inputs = 0;
  for (const std::vector<Crossing> &cut : cuts) {
    int64_t sum = 0;
    for (const Crossing &x : cut)
      sum += x.bytes;
    widest = std::max(widest, sum);
  }
  for (const auto &use : inputUses)
    inputs += use.first;
  return slotPre[n] + 4 * widest + inputs;
}

int64_t StageMemoryTable::scratchBytes(int b, int e) const {
  int64_t bytes = scratchPre[e] - scratchPre[b];
  if (e < n)
    for (const Crossing &x : cuts[e])
      if (x.defCell >= b && x.defCell < e)
        bytes -= x.scratchPart;
  return bytes;
}

int64_t rankBaseBytes(const ModelDesc &model, int microbatches,
                      MemoryBackend backend) {
  // The runtime's input arena: per micro-batch every input, 256-aligned.
  int64_t perMb = 0;
  for (int v = 0; v < model.numInputs; ++v)
    perMb += roundUp(4 * model.values[v].elements(), kAllocationAlign);
  int64_t bytes = allocationBytes(perMb * microbatches) +
                  allocationBytes(4 * int64_t(microbatches));
  if (backend == MemoryBackend::Cuda)
    bytes += kCudaWorkspaceBytes;
  return bytes;
}

int64_t stateBytesPerParamFloat(MemoryBackend backend, Precision precision,
                                Optimizer optimizer) {
  int64_t moments = optimizer == Optimizer::AdamW         ? 8
                    : optimizer == Optimizer::SGDMomentum ? 4
                                                          : 0;
  int64_t working =
      backend == MemoryBackend::Cuda && precision == Precision::BF16 ? 2 : 0;
  return 4 + 4 + moments + working; // master, gradient, moments, bf16 copy
}

} // namespace pipe::plan
