// pipert/pipert.h: the one header a generated program includes.
#pragma once

#include "pipert/frame.h"
#include "pipert/spec.h"

namespace pipert {

/// Parses program.md's flags, checks the spec, trains and returns the process
/// exit status (0 on success; 1 after printing one `error: ...` line). Flags:
///   --backend=cuda|host   (default cuda when a GPU is visible, else host)
///   --steps N  --checkpoint DIR  --checkpoint-every N  --resume DIR  --profile
///   FILE
///   --timeout S           (watchdog for a stuck transfer, default 300; env
///   PIPERT_TIMEOUT)
/// Output: two header lines ("pipert: model M (FILE), backend B, ranks R,
/// stages S, schedule X, microbatches M, batch B, data_parallel D, precision P"
/// and "pipert: devices ..."), then every train.logEvery steps (and the last)
/// "step N loss X samples/s Y" (tokens/s when tokensPerSample > 0); N is
/// 1-based and continues across --resume. X is the mean over the step's
/// micro-batch losses of all replicas (each a mean over its samples).
///
/// Execution: one thread per (rank, replica) worker in this process. Each step:
/// zero parameter gradients; load the replica's inputs (sample order: data.h in
/// the runtime, program.md); run the rank's program; sum gradients over
/// replicas (host: in replica order; cuda: NCCL all-reduce); optimizer step on
/// f32 master parameters via pipeops (AdamW step numbers are 1-based, counted
/// across --resume); cuda+bf16 refreshes the bf16 working copies. The host
/// backend keeps every buffer f32 (working copy == master) and passes
/// `precision` to the op library, which emulates bf16 by rounding stored
/// activations. cuda: worker w = replica * ranks + rank runs on GPU w mod
/// gpuCount. With a GPU per worker, boundaries use NCCL grouped send/recv on a
/// per-rank communication stream (compute waits on an event after each group; a
/// watchdog thread ends the process with "error: rank R: ... timed out" when a
/// group stays incomplete past --timeout); with fewer GPUs than workers, all
/// boundaries use device copies matched like the host transport, and replica
/// sums go through the host.
///
/// One process per worker: started by mpirun or srun (OMPI_COMM_WORLD_*, PMI_*,
/// or SLURM_PROCID with SLURM_STEP_NUM_TASKS/SLURM_NTASKS), world size must be
/// ranks * data_parallel (a launcher with one process runs the threaded mode);
/// world rank w runs pipeline rank w mod ranks of replica w / ranks. MPI is
/// initialised only then. Host: the MPI transport (MPI_Issend/Irecv with the
/// same pairing, FIFO order, mismatch errors and watchdog as in-process;
/// replica sums in replica order, so losses equal the threaded run's). Cuda:
/// GPU = node-local rank mod visible GPUs; NCCL communicators as above (unique
/// id from world rank 0 by MPI_Bcast) when every process has its own GPU, else
/// the MPI transport staged through host memory. World rank 0 alone prints the
/// header and step lines (losses gathered, summed in the threaded order),
/// writes checkpoints in the same single-file format (parameters gathered from
/// replica 0's processes, so they resume under any strategy and either mode;
/// --resume DIR must be readable by every process) and --profile (replica 0's
/// processes). A failing check every process makes alike (flags, data,
/// checkpoint, world size) prints one `error:` line from the lowest failing
/// rank and every process exits 1; a failure later prints "error: rank R: ..."
/// and ends the job with MPI_Abort (after which mpirun prints its own notice;
/// `mpirun -q` silences it). Without MPI in the build, a multi-process launch
/// is an error.
///
/// --profile FILE: per cell, the mean per micro-batch of the time between
/// beginCell/endCell in F, B and W actions (steady_clock on the host, CUDA
/// events on a GPU), measured on replica 0; when the schedule has no W, B's
/// time (including the weight gradient) is bwd_us and wgrad_us is 0. send_us =
/// cellCutBytes[c] / bandwidth, the bandwidth being the best bytes/s of any
/// measured send group (host: wall time of the group; NCCL: events around the
/// group), or the host memcpy bandwidth when nothing was sent.
///
/// Checkpoints (--checkpoint DIR): DIR/checkpoint.pipert, written atomically
/// (temp file, fsync, rename), holding step, data position, and per parameter
/// name its f32 values and optimizer state; --resume DIR accepts any strategy
/// of the same model (fingerprint, names, sizes).
int runMain(const ModelSpec &spec, int argc, char **argv);

} // namespace pipert
