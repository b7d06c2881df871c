// pipe.stage structure: each case breaks one rule of a partitioned model
// (every cell in one stage, the cut values as stage arguments and results,
// unique stage names) and must be rejected with its message.
// RUN: pipe-opt %s -split-input-file -verify-diagnostics

// A cell between two stages would make the model's stages a non-contiguous
// cover of its cells.
pipe.model @cell_between_stages(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a : tensor<?x4xf32>
  } : tensor<?x4xf32>
  // expected-error @+1 {{sits outside the stages of a partitioned model}}
  %b = pipe.cell "b = relu(a)" {
    %0 = pipe.relu %a : tensor<?x4xf32>
    pipe.yield %0 : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// A stage is a non-empty run of cells.
pipe.model @empty_stage(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a : tensor<?x4xf32>
  } : tensor<?x4xf32>
  // expected-error @+1 {{holds no cell; a stage is a non-empty run of cells}}
  %b = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    pipe.yield %a_in : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s2 rank 0 ins(%b : tensor<?x4xf32>) {
  ^bb0(%b_in: tensor<?x4xf32>):
    %loss = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %b_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// A cut value missing from the boundary: stage @s1 reads @s0's result
// directly instead of taking it as an argument.
pipe.model @cut_value_missing(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %a = pipe.stage @s0 rank 0 {
    %a = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a : tensor<?x4xf32>
  } : tensor<?x4xf32>
  %loss = pipe.stage @s1 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss = pipe.cell "return mse(a, y)" {
      // expected-error @+1 {{uses a value defined outside stage @s1 that is not one of its arguments: a value crossing a cut must be a stage argument}}
      %0 = pipe.mse %a, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// A cut value missing from the arguments: @s0 yields one value, @s1 takes
// none, so the activation sent over the cut would have no receiver.
pipe.model @arguments_not_previous_results(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  // expected-note @+1 {{the previous stage is here}}
  %a = pipe.stage @s0 rank 0 {
    %a = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a : tensor<?x4xf32>
  } : tensor<?x4xf32>
  // expected-error @+1 {{takes () but the values crossing the cut before it are the results of stage @s0, in order (1 values)}}
  %loss = pipe.stage @s1 rank 1 {
    %loss = pipe.cell "return mse(x, y)" {
      %0 = pipe.mse %x, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// The first stage takes no arguments: only model inputs cross into it, and
// every rank reads those itself.
pipe.model @first_stage_arguments(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  // expected-error @+1 {{is the first stage, which takes no arguments}}
  %loss = pipe.stage @s0 rank 0 ins(%x : tensor<?x4xf32>) {
  ^bb0(%x_in: tensor<?x4xf32>):
    %loss = pipe.cell "return mse(x, y)" {
      %0 = pipe.mse %x_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// Stage names are unique within the model (the programs name stages).
pipe.model @repeated_name(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  // expected-note @+1 {{the first stage of that name is here}}
  %a = pipe.stage @s0 rank 0 {
    %a = pipe.cell "a = relu(x)" {
      %0 = pipe.relu %x : tensor<?x4xf32>
      pipe.yield %0 : tensor<?x4xf32>
    } : tensor<?x4xf32>
    pipe.yield %a : tensor<?x4xf32>
  } : tensor<?x4xf32>
  // expected-error @+1 {{repeats the stage name @s0}}
  %loss = pipe.stage @s0 rank 1 ins(%a : tensor<?x4xf32>) {
  ^bb0(%a_in: tensor<?x4xf32>):
    %loss = pipe.cell "return mse(a, y)" {
      %0 = pipe.mse %a_in, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}

// -----

// The model returns the last stage's result, never a value of an earlier
// stage.
pipe.model @loss_not_from_last_stage(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %l0 = pipe.stage @s0 rank 0 {
    %l = pipe.cell "return mse(x, y)" {
      %0 = pipe.mse %x, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %l : tensor<f32>
  } : tensor<f32>
  %l1 = pipe.stage @s1 rank 1 ins(%l0 : tensor<f32>) {
  ^bb0(%l_in: tensor<f32>):
    %l = pipe.cell "return mse(x, y)" {
      %0 = pipe.mse %x, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %l : tensor<f32>
  } : tensor<f32>
  // expected-error @+1 {{must return the last stage's single result (the loss) in a partitioned model}}
  pipe.return %l0 : tensor<f32>
}

// -----

// Only cells sit in a stage.
pipe.model @op_in_stage(%x: tensor<?x4xf32>, %y: tensor<?x4xf32>) -> tensor<f32> {
  %loss = pipe.stage @s0 rank 0 {
    // expected-error @+1 {{cannot appear in a pipe.stage; a stage holds only pipe.cell ops and pipe.yield}}
    %r = pipe.relu %x : tensor<?x4xf32>
    %loss = pipe.cell "return mse(x, y)" {
      %0 = pipe.mse %r, %y : tensor<?x4xf32> -> tensor<f32>
      pipe.yield %0 : tensor<f32>
    } : tensor<f32>
    pipe.yield %loss : tensor<f32>
  } : tensor<f32>
  pipe.return %loss : tensor<f32>
}
