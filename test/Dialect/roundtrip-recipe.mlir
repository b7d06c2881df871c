// pipe.train's recipe attributes (lr schedule, clipping, eval) print back as
// they were parsed, and are absent when unset.
// RUN: pipe-opt %s -split-input-file | pipe-opt -split-input-file | FileCheck %s

// CHECK-LABEL: pipe.train optimizer = "adamw"
// CHECK-SAME: data = "bytes", data_file = "corpus.txt" lr_schedule = "cosine", warmup = 20, min_lr = 1.000000e-04 clip_grad = 1.000000e+00 eval = "tokens", eval_file = "valid.bin", eval_every = 50, eval_batches = 8{{$}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.95, eps = 1.0e-8, weight_decay = 0.1, momentum = 0.0, steps = 200, seed = 7, log_every = 10, data = "bytes", data_file = "corpus.txt" lr_schedule = "cosine", warmup = 20, min_lr = 1.0e-4 clip_grad = 1.0 eval = "tokens", eval_file = "valid.bin", eval_every = 50, eval_batches = 8

// -----

// CHECK-LABEL: pipe.train optimizer = "sgd"
// CHECK-SAME: data = "synthetic" lr_schedule = "linear", warmup = 0, min_lr = 0.000000e+00{{$}}
pipe.train optimizer = "sgd", lr = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.5, steps = 10, seed = 1, log_every = 1, data = "synthetic" lr_schedule = "linear", warmup = 0, min_lr = 0.0

// -----

// CHECK-LABEL: pipe.train optimizer = "adamw"
// CHECK-SAME: data = "synthetic"{{$}}
pipe.train optimizer = "adamw", lr = 1.0e-3, beta1 = 0.9, beta2 = 0.999, eps = 1.0e-8, weight_decay = 0.0, momentum = 0.0, steps = 10, seed = 1, log_every = 1, data = "synthetic"
