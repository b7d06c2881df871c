// MpiWorld over MPI: start-up checked against the launcher, gather by
// point-to-point chunks (no 2 GiB limit), agreement collectives, MPI_Abort, and
// the MPI host transport's communicators.
#include "mpi_world.h"

#include "error.h"
#include "transport_mpi.h"

#include <algorithm>
#include <cstdlib>
#include <mpi.h>

namespace pipert {
namespace {

constexpr int kGatherTag = 11;
constexpr size_t kChunkBytes = size_t(1) << 30;

class OpenMpiWorld final : public MpiWorld {
public:
  explicit OpenMpiWorld(const Launch &launch) {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised && MPI_Init(nullptr, nullptr) != MPI_SUCCESS)
      throw RuntimeError("MPI_Init failed (started by " + launch.launcher +
                         ")");
    MPI_Comm_dup(MPI_COMM_WORLD, &comm_);
    MPI_Comm_size(comm_, &size_);
    MPI_Comm_rank(comm_, &rank_);
    if (size_ != launch.size || rank_ != launch.rank)
      throw RuntimeError(
          launch.launcher + " started " + std::to_string(launch.size) +
          " processes but MPI sees " + std::to_string(size_) +
          " (is this MPI the launcher's? with srun, pass --mpi=pmix or pmi2)");
    MPI_Comm node;
    MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL,
                        &node);
    MPI_Comm_size(node, &localSize_);
    MPI_Comm_rank(node, &localRank_);
    MPI_Comm_free(&node);
    if (launch.localRank >= 0)
      localRank_ = launch.localRank;
  }
  ~OpenMpiWorld() override {
    MPI_Comm_free(&comm_);
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (!finalised)
      MPI_Finalize();
  }
  int size() const override { return size_; }
  int rank() const override { return rank_; }
  int localRank() const override { return localRank_; }
  int localSize() const override { return localSize_; }

  void broadcast(void *data, size_t bytes, int root) override {
    auto *p = static_cast<char *>(data);
    size_t off = 0;
    do {
      int n = static_cast<int>(std::min(kChunkBytes, bytes - off));
      MPI_Bcast(p + off, n, MPI_BYTE, root, comm_);
      off += static_cast<size_t>(n);
    } while (off < bytes);
  }

  std::vector<std::string> gather(const std::string &mine, int root) override {
    if (rank_ != root) {
      uint64_t n = mine.size();
      MPI_Send(&n, 1, MPI_UINT64_T, root, kGatherTag, comm_);
      for (size_t off = 0; off < mine.size(); off += kChunkBytes)
        MPI_Send(mine.data() + off,
                 static_cast<int>(std::min(kChunkBytes, mine.size() - off)),
                 MPI_BYTE, root, kGatherTag, comm_);
      return {};
    }
    std::vector<std::string> all(static_cast<size_t>(size_));
    for (int r = 0; r < size_; ++r) {
      if (r == root) {
        all[r] = mine;
        continue;
      }
      uint64_t n = 0;
      MPI_Recv(&n, 1, MPI_UINT64_T, r, kGatherTag, comm_, MPI_STATUS_IGNORE);
      all[r].resize(n);
      for (size_t off = 0; off < n; off += kChunkBytes)
        MPI_Recv(all[r].data() + off,
                 static_cast<int>(std::min<size_t>(kChunkBytes, n - off)),
                 MPI_BYTE, r, kGatherTag, comm_, MPI_STATUS_IGNORE);
    }
    return all;
  }

  int lowestFailing(bool failed) override {
    int mine = failed ? rank_ : size_, lowest = size_;
    MPI_Allreduce(&mine, &lowest, 1, MPI_INT, MPI_MIN, comm_);
    return lowest == size_ ? -1 : lowest;
  }

  bool all(bool value) override {
    int mine = value ? 1 : 0, result = 0;
    MPI_Allreduce(&mine, &result, 1, MPI_INT, MPI_LAND, comm_);
    return result != 0;
  }

  [[noreturn]] void abortAll(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

  std::unique_ptr<Transport> makeHostTransport(int ranks, int replicas,
                                               int rank, int replica,
                                               double timeoutSeconds) override {
    MPI_Comm pipeline, group;
    MPI_Comm_dup(comm_, &pipeline);
    MPI_Comm_set_errhandler(pipeline, MPI_ERRORS_RETURN);
    MPI_Comm_split(comm_, rank, replica, &group);
    MPI_Comm_set_errhandler(group, MPI_ERRORS_RETURN);
    return makeMpiTransport(pipeline, group, ranks, replicas, rank, replica,
                            timeoutSeconds);
  }

private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int size_ = 1, rank_ = 0, localSize_ = 1, localRank_ = 0;
};

} // namespace

bool haveMpi() { return true; }

std::unique_ptr<MpiWorld> startMpi(const Launch &launch) {
  return std::make_unique<OpenMpiWorld>(launch);
}

} // namespace pipert
