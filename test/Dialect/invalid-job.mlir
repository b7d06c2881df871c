// pipe.strategy, pipe.train and pipe.extern_op: each case breaks one value
// range or rule of language.md's pipeline/train tables (or the extern
// declaration) and must be rejected with its message.
// RUN: pipe-opt %s -split-input-file -verify-diagnostics

// schedule is one of the six known schedules.
// expected-error @+1 {{unknown schedule 'zb-h3' (expected gpipe, 1f1b, interleaved, zb-h1, zb-h2, zb-v, auto)}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "zb-h3", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// gpipe (like 1f1b and zb-h1) needs virtual = 1.
// expected-error @+1 {{schedule 'gpipe' needs virtual = 1, got 2}}
pipe.strategy ranks = 2, virtual = 2, microbatches = 8, batch = 4, schedule = "gpipe", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// zb-h1 needs virtual = 1 too.
// expected-error @+1 {{schedule 'zb-h1' needs virtual = 1, got 3}}
pipe.strategy ranks = 2, virtual = 3, microbatches = 8, batch = 4, schedule = "zb-h1", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// and so does zb-h2.
// expected-error @+1 {{schedule 'zb-h2' needs virtual = 1, got 2}}
pipe.strategy ranks = 2, virtual = 2, microbatches = 8, batch = 4, schedule = "zb-h2", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// interleaved needs virtual >= 2.
// expected-error @+1 {{schedule 'interleaved' needs virtual >= 2, got 1}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "interleaved", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// zb-v needs virtual = 2 exactly.
// expected-error @+1 {{schedule 'zb-v' needs virtual = 2, got 3}}
pipe.strategy ranks = 2, virtual = 3, microbatches = 8, batch = 4, schedule = "zb-v", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// ranks >= 1.
// expected-error @+1 {{attribute 'ranks' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
pipe.strategy ranks = 0, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// data_parallel >= 1.
// expected-error @+1 {{attribute 'data_parallel' failed to satisfy constraint}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 0

// -----

// partition is balanced, uniform or manual.
// expected-error @+1 {{unknown partition 'greedy' (expected balanced, uniform, manual)}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "greedy", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// partition = "manual" comes with its list of cells per stage.
// expected-error @+1 {{a 'manual' list is given exactly when partition = "manual"}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "manual", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// ... and a list only comes with partition = "manual".
// expected-error @+1 {{a 'manual' list is given exactly when partition = "manual"}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "uniform", manual = [1, 1], recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// A manual list has one entry per stage: ranks x virtual = 2 x 1 = 2, not 3.
// expected-error @+1 {{manual partition lists 3 stages, but ranks x virtual = 2}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "manual", manual = [1, 1, 1], recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// Each stage gets at least one cell.
// expected-error @+1 {{manual partition gives a stage 0 cells; each needs at least 1}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "manual", manual = [2, 0], recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// precision is f32 or bf16.
// expected-error @+1 {{unknown precision 'fp8' (expected f32, bf16)}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "balanced", recompute = false, precision = "fp8", device = "h100", data_parallel = 1

// -----

// A built-in device name, unless device_is_file marks a profile path.
// expected-error @+1 {{unknown device 'v100' (expected h100, h200, a100, cpu)}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "balanced", recompute = false, precision = "bf16", device = "v100", data_parallel = 1

// -----

// Stages must not exceed cells: 2 x 1 = 2 stages for a 1-cell model.
pipe.model @one_cell(%x: tensor<?x8xf32>) -> tensor<f32> {
  %loss = pipe.cell "return mse(x, x)" {
    %0 = pipe.mse %x, %x : tensor<?x8xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
// expected-error @+1 {{ranks x virtual = 2 stages exceed the model's 1 cells}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// A manual list covers every cell: 1 + 1 = 2, but the model has 3 cells.
pipe.model @three_cells(%x: tensor<?x8xf32>) -> tensor<f32> {
  %a = pipe.cell "a = gelu(x)" {
    %0 = pipe.gelu %x : tensor<?x8xf32>
    pipe.yield %0 : tensor<?x8xf32>
  } : tensor<?x8xf32>
  %b = pipe.cell "b = relu(a)" {
    %0 = pipe.relu %a : tensor<?x8xf32>
    pipe.yield %0 : tensor<?x8xf32>
  } : tensor<?x8xf32>
  %loss = pipe.cell "return mse(b, x)" {
    %0 = pipe.mse %b, %x : tensor<?x8xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
// expected-error @+1 {{manual partition covers 2 cells, but the model has 3}}
pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "manual", manual = [1, 1], recompute = false, precision = "bf16", device = "h100", data_parallel = 1

// -----

// The strategy sits beside the model, at module level.
func.func @nested() {
  // expected-error @+1 {{expects parent op 'builtin.module'}}
  pipe.strategy ranks = 2, virtual = 1, microbatches = 8, batch = 4, schedule = "1f1b", partition = "balanced", recompute = false, precision = "bf16", device = "h100", data_parallel = 1
  return
}

// -----

// optimizer is adamw or sgd.
// expected-error @+1 {{unknown optimizer 'adam' (expected adamw, sgd)}}
pipe.train optimizer = "adam", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic"

// -----

// lr > 0.
// expected-error @+1 {{lr must be positive, got 0}}
pipe.train optimizer = "adamw", lr = 0.0, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic"

// -----

// Adam's beta1 lies in [0, 1).
// expected-error @+1 {{beta1 must be in [0, 1), got 1}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 1.0, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic"

// -----

// Adam's beta2 lies in [0, 1).
// expected-error @+1 {{beta2 must be in [0, 1), got -0.5}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = -0.5, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic"

// -----

// eps > 0.
// expected-error @+1 {{eps must be positive, got -1}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = -1.0, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic"

// -----

// weight_decay >= 0.
// expected-error @+1 {{weight_decay must be >= 0, got -0.1}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = -0.1, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic"

// -----

// SGD momentum lies in [0, 1).
// expected-error @+1 {{momentum must be in [0, 1), got 1.5}}
pipe.train optimizer = "sgd", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 1.5, steps = 10, seed = 1, log_every = 1, data = "synthetic"

// -----

// steps >= 1.
// expected-error @+1 {{attribute 'steps' failed to satisfy constraint}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 0, seed = 1, log_every = 1, data = "synthetic"

// -----

// log_every >= 1.
// expected-error @+1 {{attribute 'log_every' failed to satisfy constraint}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 0, data = "synthetic"

// -----

// data is synthetic, bytes or tokens.
// expected-error @+1 {{unknown data 'text' (expected synthetic, bytes, tokens)}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "text"

// -----

// bytes (and tokens) read a file.
// expected-error @+1 {{data 'bytes' needs a data_file}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "bytes"

// -----

// synthetic data reads no file.
// expected-error @+1 {{data 'synthetic' takes no data_file}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic", data_file = "corpus.txt"

// -----

// An extern op has at least one parameter ...
// expected-error @+1 {{needs at least one parameter}}
pipe.extern_op @noargs [] from "k.cu"

// -----

// ... with distinct names ...
// expected-error @+1 {{repeats parameter 'a'}}
pipe.extern_op @twice ["a", "a"] from "k.cu"

// -----

// ... and the file that defines it.
// expected-error @+1 {{needs the file that defines it}}
pipe.extern_op @nofile ["a"] from ""

// -----

// warmup must leave at least one decay step.
// expected-error @+1 {{'pipe.train' op warmup must be in [0, steps), got 10}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic" lr_schedule = "cosine", warmup = 10, min_lr = 0.0

// -----

// cosine's final lr is at most lr.
// expected-error @+1 {{'pipe.train' op min_lr must be in [0, lr], got 0.01}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic" lr_schedule = "cosine", warmup = 1, min_lr = 0.01

// -----

// linear always decays to 0.
// expected-error @+1 {{'pipe.train' op a linear lr_schedule decays to 0; min_lr must be 0}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic" lr_schedule = "linear", warmup = 1, min_lr = 1.0e-4

// -----

// Constant is the absence of lr_schedule.
// expected-error @+1 {{'pipe.train' op a constant lr_schedule is written by leaving lr_schedule out}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic" lr_schedule = "constant", warmup = 0, min_lr = 0.0

// -----

// An unknown schedule name lists the known ones.
// expected-error @+1 {{unknown lr_schedule 'step' (expected constant, cosine, linear)}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic" lr_schedule = "step", warmup = 0, min_lr = 0.0

// -----

// clip_grad, when present, is a positive norm.
// expected-error @+1 {{'pipe.train' op clip_grad must be positive when present, got -1}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic" clip_grad = -1.0

// -----

// eval data is a file of bytes or tokens.
// expected-error @+1 {{'pipe.train' op eval must be "bytes" or "tokens", got "synthetic"}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic" eval = "synthetic", eval_file = "x", eval_every = 1, eval_batches = 1

// -----

// eval_every and eval_batches count from 1.
// expected-error @+1 {{'pipe.train' op eval_every and eval_batches must be >= 1}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic" eval = "bytes", eval_file = "x", eval_every = 0, eval_batches = 1
