// The built-in ops' verifiers: each case breaks one rule of language.md's op
// table (or one dtype constraint) and must be rejected with its message.
// RUN: pipe-opt %s -split-input-file -verify-diagnostics

// embedding ids must be i32.
func.func @embedding_float_ids(%ids: tensor<?x8xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit signless integer values}}
  %0 = pipe.embedding %ids vocab = 10, dim = 4, positional = false, param = "e" : tensor<?x8xf32> -> tensor<?x8x4xf32>
  return
}

// -----

// embedding result is [..., S, dim]: dim = 4 means a trailing 4, not 5.
func.func @embedding_wrong_dim(%ids: tensor<?x8xi32>) {
  // expected-error @+1 {{result must be ids' shape followed by dim = 4: expected 'tensor<?x8x4xf32>', got 'tensor<?x8x5xf32>'}}
  %0 = pipe.embedding %ids vocab = 10, dim = 4, positional = false, param = "e" : tensor<?x8xi32> -> tensor<?x8x5xf32>
  return
}

// -----

// embedding ids need a sequence dimension ([..., S]); a scalar has none.
func.func @embedding_scalar_ids(%ids: tensor<i32>) {
  // expected-error @+1 {{ids must have shape [..., S]}}
  %0 = pipe.embedding %ids vocab = 10, dim = 4, positional = false, param = "e" : tensor<i32> -> tensor<4xf32>
  return
}

// -----

// A positional table is S x dim, so S must be static.
func.func @embedding_positional_dynamic_seq(%ids: tensor<2x?xi32>) {
  // expected-error @+1 {{positional embedding needs a static sequence length}}
  %0 = pipe.embedding %ids vocab = 10, dim = 4, positional = true, param = "e" : tensor<2x?xi32> -> tensor<2x?x4xf32>
  return
}

// -----

// vocab must be >= 1.
func.func @embedding_zero_vocab(%ids: tensor<?x8xi32>) {
  // expected-error @+1 {{attribute 'vocab' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = pipe.embedding %ids vocab = 0, dim = 4, positional = false, param = "e" : tensor<?x8xi32> -> tensor<?x8x4xf32>
  return
}

// -----

// linear maps [..., K] to [..., N]: with N = 6 the result cannot end in 5.
func.func @linear_wrong_result(%x: tensor<?x8x4xf32>) {
  // expected-error @+1 {{result must be the input's shape with its last dimension replaced by out_features = 6: expected 'tensor<?x8x6xf32>', got 'tensor<?x8x5xf32>'}}
  %0 = pipe.linear %x out_features = 6, bias = true, param = "l" : tensor<?x8x4xf32> -> tensor<?x8x5xf32>
  return
}

// -----

// linear's weight is K x N, so K must be static.
func.func @linear_dynamic_k(%x: tensor<8x?xf32>) {
  // expected-error @+1 {{input must have a static last dimension}}
  %0 = pipe.linear %x out_features = 6, bias = true, param = "l" : tensor<8x?xf32> -> tensor<8x6xf32>
  return
}

// -----

// linear takes float tensors only.
func.func @linear_int_input(%x: tensor<?x4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %0 = pipe.linear %x out_features = 6, bias = true, param = "l" : tensor<?x4xi32> -> tensor<?x6xf32>
  return
}

// -----

// layernorm's eps must be positive.
func.func @layernorm_zero_eps(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{eps must be positive, got 0}}
  %0 = pipe.layernorm %x eps = 0.0, param = "n" : tensor<?x4xf32>
  return
}

// -----

// layernorm has a scale and shift of size D, so D must be static.
func.func @layernorm_dynamic_d(%x: tensor<4x?xf32>) {
  // expected-error @+1 {{input must have a static last dimension}}
  %0 = pipe.layernorm %x eps = 1.0e-5, param = "n" : tensor<4x?xf32>
  return
}

// -----

// rmsnorm keeps the shape: result type must equal the input type.
func.func @rmsnorm_changes_shape(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "pipe.rmsnorm"(%x) <{eps = 1.0e-6 : f64, param = "n"}> : (tensor<?x4xf32>) -> tensor<?x5xf32>
  return
}

// -----

// Activations take float tensors only.
func.func @gelu_int(%x: tensor<?x4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %0 = pipe.gelu %x : tensor<?x4xi32>
  return
}

// -----

// add needs identical shapes.
func.func @add_shape_mismatch(%a: tensor<?x4xf32>, %b: tensor<?x5xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "pipe.add"(%a, %b) : (tensor<?x4xf32>, tensor<?x5xf32>) -> tensor<?x4xf32>
  return
}

// -----

// mul takes float tensors only.
func.func @mul_int(%a: tensor<?x4xi32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %0 = pipe.mul %a, %a : tensor<?x4xi32>
  return
}

// -----

// attention works on [B, S, D].
func.func @attention_rank2(%x: tensor<?x16xf32>) {
  // expected-error @+1 {{input must have shape [B, S, D], got 'tensor<?x16xf32>'}}
  %0 = pipe.attention %x heads = 4, kv_heads = 4, causal = true, rope = false, param = "a" : tensor<?x16xf32>
  return
}

// -----

// D % heads == 0: 16 is not divisible by 3.
func.func @attention_heads_divide_d(%x: tensor<?x8x16xf32>) {
  // expected-error @+1 {{model dimension D = 16 is not divisible by heads = 3}}
  %0 = pipe.attention %x heads = 3, kv_heads = 3, causal = true, rope = false, param = "a" : tensor<?x8x16xf32>
  return
}

// -----

// heads % kv_heads == 0: 4 query heads cannot share 3 key/value heads.
func.func @attention_kv_heads(%x: tensor<?x8x16xf32>) {
  // expected-error @+1 {{heads = 4 is not a multiple of kv_heads = 3}}
  %0 = pipe.attention %x heads = 4, kv_heads = 3, causal = true, rope = false, param = "a" : tensor<?x8x16xf32>
  return
}

// -----

// heads must be >= 1 (and kv_heads likewise).
func.func @attention_zero_heads(%x: tensor<?x8x16xf32>) {
  // expected-error @+1 {{attribute 'heads' failed to satisfy constraint}}
  %0 = pipe.attention %x heads = 0, kv_heads = 1, causal = true, rope = false, param = "a" : tensor<?x8x16xf32>
  return
}

// -----

// cross_entropy targets have the logits' shape minus the last dim.
func.func @cross_entropy_targets_shape(%l: tensor<?x8x10xf32>, %t: tensor<?x7xi32>) {
  // expected-error @+1 {{targets must have the logits' shape without its last dimension: expected 'tensor<?x8xi32>', got 'tensor<?x7xi32>'}}
  %0 = pipe.cross_entropy %l, %t : tensor<?x8x10xf32>, tensor<?x7xi32> -> tensor<f32>
  return
}

// -----

// cross_entropy targets are i32 ids.
func.func @cross_entropy_float_targets(%l: tensor<?x8x10xf32>, %t: tensor<?x8xf32>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit signless integer values}}
  %0 = pipe.cross_entropy %l, %t : tensor<?x8x10xf32>, tensor<?x8xf32> -> tensor<f32>
  return
}

// -----

// cross_entropy returns a scalar mean.
func.func @cross_entropy_not_scalar(%l: tensor<?x8x10xf32>, %t: tensor<?x8xi32>) {
  // expected-error @+1 {{result #0 must be 0D tensor of 32-bit float values}}
  %0 = pipe.cross_entropy %l, %t : tensor<?x8x10xf32>, tensor<?x8xi32> -> tensor<1xf32>
  return
}

// -----

// mse needs identical shapes.
func.func @mse_shape_mismatch(%a: tensor<?x4xf32>, %b: tensor<?x2xf32>) {
  // expected-error @+1 {{requires all operands to have the same type}}
  %0 = "pipe.mse"(%a, %b) : (tensor<?x4xf32>, tensor<?x2xf32>) -> tensor<f32>
  return
}

// -----

// extern_call must name a pipe.extern_op.
func.func @extern_undeclared(%a: tensor<?x4xf32>) {
  // expected-error @+1 {{'@gating' does not name a pipe.extern_op}}
  %0 = pipe.extern_call @gating(%a, %a) : tensor<?x4xf32>
  return
}

// -----

// extern_call passes one operand per declared parameter.
pipe.extern_op @gating ["a", "b"] from "gating.cu"
func.func @extern_arity(%a: tensor<?x4xf32>) {
  // expected-error @+1 {{'@gating' takes 2 operands, got 1}}
  %0 = pipe.extern_call @gating(%a) : tensor<?x4xf32>
  return
}

// -----

// extern_call operands and result share one float type.
pipe.extern_op @gating ["a", "b"] from "gating.cu"
func.func @extern_mixed_shapes(%a: tensor<?x4xf32>, %b: tensor<?x5xf32>) {
  // expected-error @+1 {{requires the same type for all operands and results}}
  %0 = "pipe.extern_call"(%a, %b) <{callee = @gating}> : (tensor<?x4xf32>, tensor<?x5xf32>) -> tensor<?x4xf32>
  return
}

// -----

// A tied linear reads an embedding's table, so `tied` must name one.
pipe.model @tied_unknown(%t: tensor<?x8xi32>, %y: tensor<?x8xi32>) -> tensor<f32> {
  %e = pipe.cell "e = embedding(...)" {
    %0 = pipe.embedding %t vocab = 16, dim = 4, positional = false, param = "c0.embedding0" : tensor<?x8xi32> -> tensor<?x8x4xf32>
    pipe.yield %0 : tensor<?x8x4xf32>
  } : tensor<?x8x4xf32>
  %l = pipe.cell "l = linear(...)" {
    // expected-error @+1 {{tied = "c9.embedding0" names no pipe.embedding of the model}}
    %0 = pipe.linear %e out_features = 16, bias = false, tied = "c9.embedding0", param = "c1.linear0" : tensor<?x8x4xf32> -> tensor<?x8x16xf32>
    pipe.yield %0 : tensor<?x8x16xf32>
  } : tensor<?x8x16xf32>
  %r = pipe.cell "return" {
    %0 = pipe.cross_entropy %l, %y : tensor<?x8x16xf32>, tensor<?x8xi32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %r : tensor<f32>
}

// -----

// The tied table is vocab x dim: out_features must be its vocab (16, not 8).
pipe.model @tied_vocab(%t: tensor<?x8xi32>, %y: tensor<?x8xi32>) -> tensor<f32> {
  %e = pipe.cell "e = embedding(...)" {
    %0 = pipe.embedding %t vocab = 16, dim = 4, positional = false, param = "c0.embedding0" : tensor<?x8xi32> -> tensor<?x8x4xf32>
    pipe.yield %0 : tensor<?x8x4xf32>
  } : tensor<?x8x4xf32>
  %l = pipe.cell "l = linear(...)" {
    // expected-error @+1 {{out_features = 8 must equal the tied embedding's vocab = 16}}
    %0 = pipe.linear %e out_features = 8, bias = false, tied = "c0.embedding0", param = "c1.linear0" : tensor<?x8x4xf32> -> tensor<?x8x8xf32>
    pipe.yield %0 : tensor<?x8x8xf32>
  } : tensor<?x8x8xf32>
  %r = pipe.cell "return" {
    %0 = pipe.cross_entropy %l, %y : tensor<?x8x8xf32>, tensor<?x8xi32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %r : tensor<f32>
}

// -----

// ... and the input's last dimension its dim (4, not 16).
pipe.model @tied_dim(%t: tensor<?x8xi32>, %y: tensor<?x8xi32>) -> tensor<f32> {
  %e = pipe.cell "e = embedding(...)" {
    %0 = pipe.embedding %t vocab = 16, dim = 4, positional = false, param = "c0.embedding0" : tensor<?x8xi32> -> tensor<?x8x4xf32>
    %1 = pipe.linear %0 out_features = 16, bias = true, param = "c0.linear0" : tensor<?x8x4xf32> -> tensor<?x8x16xf32>
    pipe.yield %1 : tensor<?x8x16xf32>
  } : tensor<?x8x16xf32>
  %l = pipe.cell "l = linear(...)" {
    // expected-error @+1 {{the input's last dimension 16 must equal the tied embedding's dim = 4}}
    %0 = pipe.linear %e out_features = 16, bias = false, tied = "c0.embedding0", param = "c1.linear0" : tensor<?x8x16xf32> -> tensor<?x8x16xf32>
    pipe.yield %0 : tensor<?x8x16xf32>
  } : tensor<?x8x16xf32>
  %r = pipe.cell "return" {
    %0 = pipe.cross_entropy %l, %y : tensor<?x8x16xf32>, tensor<?x8xi32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %r : tensor<f32>
}

// -----

// A tied linear holds no bias.
pipe.model @tied_bias(%t: tensor<?x8xi32>, %y: tensor<?x8xi32>) -> tensor<f32> {
  %e = pipe.cell "e = embedding(...)" {
    %0 = pipe.embedding %t vocab = 16, dim = 4, positional = false, param = "c0.embedding0" : tensor<?x8xi32> -> tensor<?x8x4xf32>
    pipe.yield %0 : tensor<?x8x4xf32>
  } : tensor<?x8x4xf32>
  %l = pipe.cell "l = linear(...)" {
    // expected-error @+1 {{a tied linear has no bias of its own; bias must be false}}
    %0 = pipe.linear %e out_features = 16, bias = true, tied = "c0.embedding0", param = "c1.linear0" : tensor<?x8x4xf32> -> tensor<?x8x16xf32>
    pipe.yield %0 : tensor<?x8x16xf32>
  } : tensor<?x8x16xf32>
  %r = pipe.cell "return" {
    %0 = pipe.cross_entropy %l, %y : tensor<?x8x16xf32>, tensor<?x8xi32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %r : tensor<f32>
}
