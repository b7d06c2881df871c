//===- ScheduleBuilders.h - The order builders the schedule table names --===//
#ifndef PIPE_PLAN_SCHEDULEBUILDERS_H
#define PIPE_PLAN_SCHEDULEBUILDERS_H

#include "pipe/Plan/ScheduleTable.h"

namespace pipe::plan {

/// The stages each rank holds, in ascending order (its chunks).
std::vector<std::vector<int>> stagesByRank(int ranks,
                                           const std::vector<int> &stageRank);

// ScheduleOrders.cpp
std::vector<RankProgram> buildGPipeOrder(const OrderRequest &request);
std::vector<RankProgram> build1F1BOrder(const OrderRequest &request);
std::vector<RankProgram> buildInterleavedOrder(const OrderRequest &request);
// ScheduleZeroBubbleSearch.cpp: built from request.stages' costs when given
std::vector<RankProgram> buildZBH1Order(const OrderRequest &request);
std::vector<RankProgram> buildZBH2Order(const OrderRequest &request);
std::vector<RankProgram> buildZBVOrder(const OrderRequest &request);

} // namespace pipe::plan

#endif // PIPE_PLAN_SCHEDULEBUILDERS_H
