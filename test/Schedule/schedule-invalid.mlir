// pipe-schedule refuses, with an error at the strategy (or the module), what
// it cannot schedule: no strategy, a recorded placement that is not the
// schedule's, a record of the wrong size or type, a step too large to build.
// RUN: pipe-opt %s -split-input-file -verify-diagnostics --pipe-schedule

// expected-error @+1 {{pipe-schedule needs a pipe.strategy}}
module {
}

// -----

// 1f1b places stage s on rank s mod 2; this record swaps the two stages.
// expected-error @+1 {{places stage 0 on rank 1 in 'pipe.stage_ranks', but schedule '1f1b' places it on rank 0}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 2, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1 {pipe.stage_ranks = array<i64: 1, 0>}

// -----

// expected-error @+1 {{records 3 stages in 'pipe.stage_ranks' but has 2 ranks x 1 virtual}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 2, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1 {pipe.stage_ranks = array<i64: 0, 1, 0>}

// -----

// expected-error @+1 {{has a 'pipe.stage_ranks' that is not an array<i64> of stage ranks}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 2, batch = 1, schedule = "1f1b", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1 {pipe.stage_ranks = [0, 1]}

// -----

// 100000 ranks x 1 x 1000 micro-batches is 10^8 actions, above 2^19.
// expected-error @+1 {{has 100000 ranks x 1 virtual x 1000 micro-batches, too many actions to schedule (the limit is 524288)}}
pipe.strategy ranks = 100000, virtual = 1, microbatches = 1000, batch = 1, schedule = "gpipe", partition = "balanced", recompute = false, precision = "f32", device = "cpu", data_parallel = 1
