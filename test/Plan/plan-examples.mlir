// The plan of every example through pipec --emit=plan: cell counts, names, locations, and the
// byte figures a person can count from the source (checked by hand below).

// mlp (f32, batch 32): cell 0 is h = relu(linear(x, 256)) from 64 features: parameters
// (64*256 + 256) * 4 = 66560 bytes; kept for backward: the linear's input x, 32*64*4 = 8192, and
// relu's input, 32*256*4 = 32768, so 40960; output 32*256*4 = 32768. Cell 1 (256 -> 256):
// (65536 + 256) * 4 = 263168 bytes of parameters, 32768 + 32768 kept. Cell 3 pred = linear(h, 16):
// (4096 + 16) * 4 = 16448; output 32*16*4 = 2048. Cell 4 mse keeps pred and y: 2 * 2048; its
// output is the 4-byte scalar loss. Uniform on 2 ranks: [0,3) and [3,5).
// RUN: pipec %examples/mlp.pipe --emit=plan | FileCheck %s --check-prefix=MLP
// MLP:      "cells": [
// MLP-NEXT:   {
// MLP-NEXT:     "act_bytes": 40960,
// MLP:          "loc": "{{.*}}mlp.pipe:9:3",
// MLP-NEXT:     "name": "h = relu(...)",
// MLP-NEXT:     "out_bytes": 32768,
// MLP-NEXT:     "param_bytes": 66560,
// MLP:          "act_bytes": 65536,
// MLP:          "param_bytes": 263168,
// MLP:          "name": "pred = linear(h, outputs)",
// MLP-NEXT:     "out_bytes": 2048,
// MLP-NEXT:     "param_bytes": 16448,
// MLP:          "act_bytes": 4096,
// MLP:          "name": "return mse(pred, y)",
// MLP-NEXT:     "out_bytes": 4,
// MLP-NEXT:     "param_bytes": 0,
// MLP:      "partition": "uniform",
// MLP:      "programs": [
// MLP:      "schedule": "gpipe",
// MLP:      "stage_list": [
// MLP:          "cells": [
// MLP-NEXT:       0,
// MLP-NEXT:       3
// MLP:          "rank": 0,
// MLP:          "cells": [
// MLP-NEXT:       3,
// MLP-NEXT:       5
// MLP:          "rank": 1,
// MLP:      "stages": 2,

// gpt2 (bf16): 15 cells (embedding, 12 transformer layers, the LM head, the loss). Embedding
// parameters: (50304 + 1024) * 768 = 39419904 values at 2 bytes = 78839808 bytes; its output
// per micro-batch (batch 8): 8 * 1024 * 768 * 2 = 12582912 bytes. A transformer layer: 4*768*768
// + 4*768 (attention and its biases) + 2*768*3072 + 3072 + 768 (MLP) + 4*768 (two layernorms)
// = 7087872 values = 14175744 bytes. The head is tied to the token table: its cell holds only
// the final layernorm (2*768 values = 3072 bytes), and the last stage, which holds the head but
// not the embedding, also holds the 50304*768*2 = 77266944-byte table: with the balanced split
// below (cells 11..14: two layers, head, loss), 2*14175744 + 3072 + 77266944 = 105621504;
// the stage before it (cells 7..10, four layers) 4*14175744 = 56702976.
// RUN: pipec %examples/gpt2.pipe --emit=plan | FileCheck %s --check-prefix=GPT2
// GPT2:      "loc": "{{.*}}gpt2.pipe:18:3",
// GPT2-NEXT: "name": "tok = embedding(...)",
// GPT2-NEXT: "out_bytes": 12582912,
// GPT2-NEXT: "param_bytes": 78839808,
// GPT2:      "name": "x = transformer(x)",
// GPT2-NEXT: "out_bytes": 12582912,
// GPT2-NEXT: "param_bytes": 14175744,
// GPT2:      "name": "logits = linear(...)",
// GPT2-NEXT: "out_bytes": 824180736,
// GPT2-NEXT: "param_bytes": 3072,
// GPT2:      "name": "return cross_entropy(logits, targets)",
// GPT2:      "stage_list": [
// GPT2:          "param_bytes": 56702976,
// GPT2:          "cells": [
// GPT2-NEXT:       11,
// GPT2-NEXT:       15
// GPT2:          "param_bytes": 105621504,
// GPT2:      "stages": 4,
// GPT2:      "version": 1

// Every example has as many cells as top-level statements after unrolling: mlp 5, tiny-gpt
// 1 + 4 + 2 = 7, gpt2 1 + 12 + 2 = 15, llama 1 + 22 + 2 = 25 (its repeat count).
// RUN: pipec %examples/tiny-gpt.pipe --emit=plan | grep -c '"fwd_us"' | FileCheck %s --check-prefix=TINY
// 7 cells + 4 stages each with fwd_us:
// TINY: 11
// RUN: pipec %examples/llama.pipe --emit=plan | grep -c '"loc"' | FileCheck %s --check-prefix=LLAMA
// LLAMA: 25
