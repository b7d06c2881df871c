//===- GTest.h - GoogleTest without POSIX ::pipe clashing with ns pipe --===//
//
// gtest-port.h includes <unistd.h>, whose `int pipe(int[2])` cannot coexist
// with our `namespace pipe` in one translation unit: rename the function
// while GoogleTest's headers are read. Include this first.
//===----------------------------------------------------------------------===//
#ifndef PIPE_TEST_PLAN_GTEST_H
#define PIPE_TEST_PLAN_GTEST_H
#define pipe posix_pipe_unused
#include <gtest/gtest.h>
#undef pipe
#endif
