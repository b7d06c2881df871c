// pipert/pipert.h: the one header a generated program includes.
#pragma once

#include "pipert/frame.h"
#include "pipert/spec.h"

namespace pipert {

/// Parses program.md's flags, checks the spec, trains and returns the process exit status
/// (0 on success; 1 after printing one `error: ...` line). Flags:
///   --backend=cuda|host   (default cuda when a GPU is visible, else host)
///   --steps N  --checkpoint DIR  --checkpoint-every N  --resume DIR  --profile FILE
///   --timeout S           (watchdog for a stuck transfer, default 300; env PIPERT_TIMEOUT)
int runMain(const ModelSpec &spec, int argc, char **argv);

} // namespace pipert
