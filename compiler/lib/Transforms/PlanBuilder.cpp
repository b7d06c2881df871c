//===- PlanBuilder.cpp - plan::PlanInfo from a partitioned, scheduled module
//===//
#include "pipe/Transforms/PlanBuilder.h"
#include "pipe/Plan/Partition.h"
#include "pipe/Plan/Schedule.h"
#include "pipe/Plan/Simulator.h"
#include "pipe/Transforms/CellCosts.h"
#include "pipe/Transforms/ProgramIR.h"
#include "pipe/Transforms/StagePlacement.h"
#include "pipe/Transforms/StagePlanIR.h"

using namespace mlir;

namespace pipe {

FailureOr<plan::PlanInfo> buildPlanInfo(ModuleOp module) {
  FailureOr<ModelOp> model = getModel(module, "the plan");
  if (failed(model))
    return failure();
  FailureOr<StrategyOp> strategy = getStrategy(module, "the plan");
  if (failed(strategy))
    return failure();
  FailureOr<plan::DeviceProfile> device = loadDevice(*strategy);
  if (failed(device))
    return failure();

  plan::PlanInfo info;
  info.model = model->getSymName().str();
  info.ranks = int(strategy->getRanks());
  info.virtualStages = int(strategy->getVirtualStages());
  info.microbatches = int(strategy->getMicrobatches());
  info.batch = int(strategy->getBatch());
  info.dataParallel = int(strategy->getDataParallel());
  info.schedule = plan::scheduleName(strategy->getSchedule());
  info.partition = stringifyPartitionKind(strategy->getPartition()).str();
  info.deviceName = device->name;
  info.deviceMemoryBytes = device->memoryBytes;
  plan::MemoryBackend backend = plan::memoryBackendFor(*device);
  info.memoryBackend = plan::memoryBackendName(backend);

  FailureOr<std::vector<plan::CellCost>> cells = readCellCosts(*model);
  if (failed(cells))
    return failure();
  info.cells = std::move(*cells);
  FailureOr<std::vector<plan::Stage>> stages = readStages(module);
  if (failed(stages))
    return failure();
  info.stages = std::move(*stages);

  // Rank memory as the partitioner measured it (the summary's figures).
  std::vector<int> stageRank, bounds{info.stages.front().begin};
  for (const plan::Stage &stage : info.stages) {
    stageRank.push_back(stage.rank);
    bounds.push_back(stage.end);
  }
  plan::PartitionRequest request =
      partitionRequest(*strategy, stageRank, device->memoryBytes);
  info.rankBytes =
      plan::evaluatePartition(info.cells, request, bounds).rankBytes;

  FailureOr<std::vector<plan::RankProgram>> programs = readPrograms(module);
  if (failed(programs))
    return failure();
  if (int(programs->size()) != info.ranks)
    return strategy->emitError()
           << "the schedule has programs for " << programs->size()
           << " ranks, the strategy has " << info.ranks;
  info.programs = std::move(*programs);
  plan::ScheduleKind kind = strategy->getSchedule();
  info.simulation = plan::simulate(info.programs, info.stages,
                                   plan::scheduleHasW(kind),
                                   request.rankBaseBytes);
  return info;
}

} // namespace pipe
