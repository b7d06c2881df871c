// Helpers shared by the runtime tests: temporary directories and quiet training
// runs.
#pragma once

#include "mlp_model.h"
#include "options.h"
#include "train.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace pipert::test {

/// A fresh directory under $TMPDIR, removed at destruction.
struct TempDir {
  std::string path;
  TempDir() {
    const char *base = std::getenv("TMPDIR");
    std::string templ =
        std::string(base ? base : "/tmp") + "/pipert-test-XXXXXX";
    path = mkdtemp(templ.data());
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string file(const std::string &name) const { return path + "/" + name; }
};

/// Runs training with output to /dev/null.
inline TrainResult train(const ModelSpec &spec, Options opts = Options()) {
  opts.backend = BackendChoice::Host;
  if (opts.timeoutSeconds == 300)
    opts.timeoutSeconds = 20;
  FILE *null = std::fopen("/dev/null", "w");
  TrainResult r = runTraining(spec, opts, null);
  std::fclose(null);
  return r;
}

} // namespace pipert::test
