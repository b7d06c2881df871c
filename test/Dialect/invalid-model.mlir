// pipe.model / pipe.cell structure: each case breaks one rule of the model's
// shape (inputs, cells, loss) and must be rejected with its message.
// RUN: pipe-opt %s -split-input-file -verify-diagnostics

// The batch dimension comes first and is dynamic ('?'), bound by the strategy.
// expected-error @+1 {{input #0 ('x') must be a tensor of i32 or f32 with a dynamic batch dimension first}}
pipe.model @static_batch(%x: tensor<4x8xf32>) -> tensor<f32> {
  %loss = pipe.cell "return mse(x, x)" {
    %0 = pipe.mse %x, %x : tensor<4x8xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// Every dimension after the batch is static.
// expected-error @+1 {{input #1 ('y') must be a tensor of i32 or f32 with a dynamic batch dimension first and static dimensions after it, got 'tensor<?x?xf32>'}}
pipe.model @dynamic_feature(%x: tensor<?x8xf32>, %y: tensor<?x?xf32>) -> tensor<f32> {
  %loss = pipe.cell "return mse(x, x)" {
    %0 = pipe.mse %x, %x : tensor<?x8xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// Inputs are i32 or f32 (language.md's TYPE), nothing else.
// expected-error @+1 {{input #0 ('x') must be a tensor of i32 or f32}}
pipe.model @i64_input(%x: tensor<?x8xi64>, %y: tensor<?x8xf32>) -> tensor<f32> {
  %loss = pipe.cell "return mse(y, y)" {
    %0 = pipe.mse %y, %y : tensor<?x8xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// A model returns one scalar loss.
// expected-error @+1 {{must return one scalar loss of type tensor<f32>, declared 'tensor<1xf32>'}}
pipe.model @vector_loss(%x: tensor<?x8xf32>) -> tensor<1xf32> {
  %loss = pipe.cell "return mse(x, x)" {
    %0 = pipe.mse %x, %x : tensor<?x8xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// pipe.return returns the scalar loss.
pipe.model @return_vector(%x: tensor<?x8xf32>) -> tensor<f32> {
  %c = pipe.cell "x = gelu(x)" {
    %0 = pipe.gelu %x : tensor<?x8xf32>
    pipe.yield %0 : tensor<?x8xf32>
  } : tensor<?x8xf32>
  // expected-error @+1 {{operand #0 must be 0D tensor of 32-bit float values}}
  pipe.return %c : tensor<?x8xf32>
}

// -----

// The model body holds only cells (and the final return).
pipe.model @op_outside_cell(%x: tensor<?x8xf32>) -> tensor<f32> {
  // expected-error @+1 {{cannot appear directly in a pipe.model}}
  %0 = pipe.mse %x, %x : tensor<?x8xf32> -> tensor<f32>
  pipe.return %0 : tensor<f32>
}

// -----

// A cell holds only the model's maths: built-in ops and extern calls.
pipe.model @foreign_op_in_cell(%x: tensor<?x8xf32>) -> tensor<f32> {
  %loss = pipe.cell "return mse(x, x)" {
    // expected-error @+1 {{cannot appear in a pipe.cell}}
    %c = arith.constant dense<0.0> : tensor<f32>
    pipe.yield %c : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// A cell yields exactly its results' types.
pipe.model @yield_mismatch(%x: tensor<?x8xf32>) -> tensor<f32> {
  // expected-error @+1 {{yields ('tensor<?x8xf32>') but its results are ('tensor<f32>')}}
  %loss = pipe.cell "return gelu(x)" {
    %0 = pipe.gelu %x : tensor<?x8xf32>
    pipe.yield %0 : tensor<?x8xf32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// A cell is named by its statement text (used in plans and timelines).
pipe.model @unnamed_cell(%x: tensor<?x8xf32>) -> tensor<f32> {
  // expected-error @+1 {{needs the statement text as its name}}
  %loss = pipe.cell "" {
    %0 = pipe.mse %x, %x : tensor<?x8xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// Cells exist only inside a model (or, once partitioned, a model's stage).
func.func @cell_outside_model(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{expects parent op to be one of 'pipe.model, pipe.stage'}}
  %0 = pipe.cell "y = gelu(x)" {
    %1 = pipe.gelu %x : tensor<?x8xf32>
    pipe.yield %1 : tensor<?x8xf32>
  } : tensor<?x8xf32>
  return
}

// -----

// What a cell computes internally is visible to later cells only through
// its results: a later cell cannot reach into an earlier cell's body.
pipe.model @reach_into_cell(%x: tensor<?x8xf32>) -> tensor<f32> {
  %h = pipe.cell "h = gelu(relu(x))" {
    %inner = pipe.relu %x : tensor<?x8xf32>
    %0 = pipe.gelu %inner : tensor<?x8xf32>
    pipe.yield %0 : tensor<?x8xf32>
  } : tensor<?x8xf32>
  %loss = pipe.cell "return mse(h, inner)" {
    // expected-error @+1 {{use of undeclared SSA value name}}
    %0 = pipe.mse %h, %inner : tensor<?x8xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// pipe.source names the .pipe file and belongs on the module.
// expected-error @+1 {{'pipe.source' must be a string naming the .pipe file}}
module attributes {pipe.source = 3 : i64} {
}

// -----

// expected-error @+1 {{'pipe.source' is only valid on a builtin.module}}
func.func @source_on_func() attributes {pipe.source = "x.pipe"} {
  return
}

// -----

// The model ends by returning its loss.
// expected-error @+1 {{body must end with pipe.return of the loss}}
pipe.model @no_return(%x: tensor<?x8xf32>) -> tensor<f32> {
  %loss = pipe.cell "return mse(x, x)" {
    %0 = pipe.mse %x, %x : tensor<?x8xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
}

// -----

// The declared inputs and the block's arguments agree (generic form can
// write them apart).
// expected-error @+1 {{input #0 is declared 'tensor<?x8xf32>' but its block argument has type 'tensor<?x4xf32>'}}
"pipe.model"() <{sym_name = "mismatch", function_type = (tensor<?x8xf32>) -> tensor<f32>, input_names = ["x"]}> ({
^bb0(%x: tensor<?x4xf32>):
  %loss = pipe.cell "return mse(x, x)" {
    %0 = pipe.mse %x, %x : tensor<?x4xf32> -> tensor<f32>
    pipe.yield %0 : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}) : () -> ()
