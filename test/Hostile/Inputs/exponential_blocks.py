"""Prints a .pipe file whose block b_k calls b_(k-1) twice, k = 1..N."""
import sys

n = int(sys.argv[1])
print("block b0(x) {\n  return relu(x)\n}")
for k in range(1, n + 1):
    print("block b%d(x) {\n  return b%d(b%d(x))\n}" % (k, k - 1, k - 1))
print("model m(x: f32[batch, 4], y: f32[batch, 4]) {")
print("  return mse(b%d(x), y)" % n)
print("}")
