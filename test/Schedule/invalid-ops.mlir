// Local well-formedness of the program ops (the op verifiers, before any
// pass): negative indices, a peer equal to the program's own rank, a rank
// given two programs, foreign ops in a program or schedule, an unknown
// schedule name.
// RUN: pipe-opt %s -split-input-file -verify-diagnostics

pipe.schedule "1f1b" {
  pipe.program rank 0 {
    // expected-error @+1 {{attribute 'stage' failed to satisfy constraint}}
    pipe.forward stage -1 mb 0
  }
}

// -----

pipe.schedule "1f1b" {
  pipe.program rank 0 {
    // expected-error @+1 {{attribute 'mb' failed to satisfy constraint}}
    pipe.backward stage 0 mb -2
  }
}

// -----

pipe.schedule "1f1b" {
  // expected-error @+1 {{attribute 'rank' failed to satisfy constraint}}
  pipe.program rank -1 {
  }
}

// -----

pipe.schedule "1f1b" {
  pipe.program rank 1 {
    // expected-error @+1 {{peer must be another rank, but rank 1 is this program's own rank}}
    pipe.send_act stage 1 mb 0 to 1
  }
}

// -----

pipe.schedule "1f1b" {
  pipe.program rank 0 {
    // expected-error @+1 {{peer must be another rank, but rank 0 is this program's own rank}}
    pipe.recv_grad stage 1 mb 0 from 0
  }
}

// -----

pipe.schedule "1f1b" {
  // expected-note @+1 {{rank 0's first program is here}}
  pipe.program rank 0 {
  }
  // expected-error @+1 {{repeats rank 0}}
  pipe.program rank 0 {
  }
}

// -----

// expected-error @+1 {{unknown schedule 'pipedream' (expected gpipe, 1f1b, interleaved, zb-h1, zb-h2, zb-v)}}
pipe.schedule "pipedream" {
}

// -----

pipe.schedule "gpipe" {
  pipe.program rank 0 {
    // expected-error @+1 {{cannot appear in a pipe.program}}
    %zero = arith.constant 0 : i32
  }
}

// -----

pipe.schedule "gpipe" {
  // expected-error @+1 {{cannot appear in a pipe.schedule (only pipe.program can)}}
  %zero = arith.constant 0 : i32
}

// -----

// A program action outside a program.
// expected-error @+1 {{expects parent op 'pipe.program'}}
pipe.forward stage 0 mb 0

// -----

// expected-error @+1 {{expects parent op 'pipe.schedule'}}
pipe.program rank 0 {
}
