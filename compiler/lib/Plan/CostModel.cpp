//===- CostModel.cpp - Cell costs: roofline time, state, activations, cuts ===//
#include "pipe/Plan/CostModel.h"
#include "pipe/Plan/StageMemory.h"

#include <algorithm>
#include <set>

namespace pipe::plan {

int64_t TensorDesc::elements() const {
  int64_t n = 1;
  for (int64_t d : dims)
    n *= d;
  return n;
}

double PhaseCost::flops() const {
  double f = 0;
  for (const Kernel &k : kernels)
    f += k.flops;
  return f;
}

double PhaseCost::bytes() const {
  double b = 0;
  for (const Kernel &k : kernels)
    b += k.bytes;
  return b;
}

double PhaseCost::timeUs(const DeviceProfile &device,
                         Precision precision) const {
  double us = 0;
  for (const Kernel &k : kernels) {
    double peak = k.matmul ? device.matmulPeak(precision) : device.vectorPeak();
    double computeEff =
        k.matmul ? device.matmulEfficiency : device.elementwiseEfficiency;
    double computeS = k.flops / (peak * computeEff);
    double memoryS =
        k.bytes / (device.memoryBandwidth * device.elementwiseEfficiency);
    us += std::max(computeS, memoryS) * 1e6 + device.kernelLaunchUs;
  }
  return us;
}

std::vector<int64_t> cutBytes(const ModelDesc &model, int floatBytes) {
  int numCells = int(model.cells.size());
  // The last cell that reads each value.
  std::vector<int> lastUse(model.values.size(), -1);
  for (int c = 0; c < numCells; ++c)
    for (const OpDesc &op : model.cells[c].ops)
      for (int v : op.operands)
        lastUse[v] = std::max(lastUse[v], c);
  // A result of cell c crosses every cut after c, ..., lastUse - 1.
  std::vector<int64_t> crossing(numCells, 0);
  for (int c = 0; c < numCells; ++c)
    for (int v : model.cells[c].results) {
      if (v < model.numInputs)
        continue;
      int64_t bytes = model.values[v].bytes(floatBytes);
      for (int cut = c; cut < lastUse[v] && cut < numCells - 1; ++cut)
        crossing[cut] += bytes;
    }
  return crossing;
}

std::vector<CellCost> estimateCellCosts(const ModelDesc &model,
                                        const DeviceProfile &device,
                                        Precision precision,
                                        Optimizer optimizer) {
  int e = device.floatBytes(precision);
  int64_t perFloat = stateBytesPerParamFloat(memoryBackendFor(device),
                                             precision, optimizer);
  std::vector<int64_t> cuts = cutBytes(model, e);
  std::vector<CellCost> costs;
  for (size_t c = 0; c < model.cells.size(); ++c) {
    const CellDesc &cell = model.cells[c];
    CellCost cost;
    cost.name = cell.name;
    cost.loc = cell.loc;
    // Values read by backward are kept once per cell however many ops save
    // them (a value two cells save is counted in both: rare, and an upper
    // bound).
    std::set<int> savedValues;
    int64_t params = 0, savedF32 = 0, paddedFloats = 0;
    for (const OpDesc &op : cell.ops) {
      for (int64_t elements : op.paramTensors)
        paddedFloats += paddedParamFloats(elements);
      const OpCost &oc = op.cost;
      cost.fwdUs += oc.fwd.timeUs(device, precision);
      cost.bwdUs += oc.dgrad.timeUs(device, precision);
      cost.wgradUs += oc.wgrad.timeUs(device, precision);
      params += oc.params;
      savedF32 += oc.savedF32;
      for (int i : oc.savedOperands)
        savedValues.insert(op.operands[i]);
      if (oc.tiedParams && op.tiedOwnerCell != int(c))
        cost.tied.push_back({op.tiedParam, op.tiedOwnerCell, oc.tiedParams * e,
                             paddedParamFloats(oc.tiedParams) * perFloat +
                                 tiedExchangeBytes(oc.tiedParams)});
    }
    cost.actBytes = 4 * savedF32;
    for (int v : savedValues)
      cost.actBytes += model.values[v].bytes(e);
    cost.paramBytes = params * e;
    // The parameter arrays as the runtime allocates them (StageMemory.h).
    cost.stateBytes = paddedFloats * perFloat;
    for (int v : cell.results)
      cost.outBytes += model.values[v].bytes(e);
    cost.cutBytes = cuts[c];
    cost.sendUs = device.sendUs(cuts[c]);
    costs.push_back(std::move(cost));
  }
  return costs;
}

} // namespace pipe::plan
