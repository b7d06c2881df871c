//===- Pipeline.cpp - The pipe-compile pass pipeline ----------------------===//
#include "pipe/Transforms/Pipeline.h"
#include "pipe/Transforms/Passes.h"

#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"

using namespace mlir;

namespace pipe {
namespace {

struct CompilePipelineCLOptions
    : public PassPipelineOptions<CompilePipelineCLOptions> {
  Option<std::string> profile{
      *this, "profile",
      llvm::cl::desc("Measured per-cell costs (pipec's --profile FILE)"),
      llvm::cl::init("")};
};

} // namespace

void buildCompilePipeline(OpPassManager &pm,
                          const CompilePipelineOptions &options) {
  // Custom ops are checked (and their arithmetic counted) first, so the auto
  // search and the partitioner cost them from their bodies.
  pm.addPass(createPipeCheckExtern());
  PipeAutoScheduleOptions autoOptions;
  autoOptions.profile = options.profile;
  pm.addPass(createPipeAutoSchedule(autoOptions));
  PipePartitionOptions partition;
  partition.profile = options.profile;
  pm.addPass(createPipePartition(partition));
  pm.addPass(createPipeSchedule());
  pm.addPass(createPipeVerifySchedule());
}

void registerCompilePipeline() {
  PassPipelineRegistration<CompilePipelineCLOptions>(
      "pipe-compile",
      "What pipec runs from MLIRGen's module to the plan: check extern ops, "
      "resolve schedule = auto, partition, schedule, verify the schedule",
      [](OpPassManager &pm, const CompilePipelineCLOptions &cl) {
        buildCompilePipeline(pm, CompilePipelineOptions{cl.profile});
      });
}

} // namespace pipe
