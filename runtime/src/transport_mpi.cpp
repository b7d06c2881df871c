// Boundaries and replica gradient sums between processes over MPI, with NCCL's
// pairing (a send completes only when received: MPI_Issend), FIFO per (sender,
// receiver, act|grad) (MPI's non-overtaking order on one tag), a (stage, mb,
// bytes) header checked on every message, and every wait polled against the
// watchdog deadline.
#include "transport_mpi.h"

#include "error.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <sstream>
#include <thread>

namespace pipert {
namespace {

using Clock = std::chrono::steady_clock;

struct Header {
  int32_t stage, mb;
  int64_t bytes;
};
// Tags 0, 1 and 2 are Direction::Act, Grad and Tied (on the pipeline
// communicator); replica sums use their own communicator.
constexpr int kReduceTag = 3;

class MpiTransport final : public Transport {
public:
  MpiTransport(MPI_Comm pipeline, MPI_Comm replicas, int ranks,
               int replicaCount, int rank, int replica, double timeout)
      : pipeline_(pipeline), replicas_(replicas), ranks_(ranks),
        replicaCount_(replicaCount), rank_(rank), replica_(replica),
        timeout_(timeout) {}
  ~MpiTransport() override {
    MPI_Comm_free(&pipeline_);
    MPI_Comm_free(&replicas_);
  }

  void exchange(const std::vector<Transfer> &group) override {
    auto start = Clock::now();
    size_t n = group.size();
    staging_.resize(std::max(staging_.size(), n));
    std::vector<MPI_Request> reqs(n, MPI_REQUEST_NULL);
    std::vector<MPI_Status> statuses(n);
    int64_t sent = 0;
    for (size_t i = 0; i < n; ++i) {
      const Transfer &t = group[i];
      if (t.bytes > INT_MAX - static_cast<int64_t>(sizeof(Header)))
        throw RuntimeError(label() + ": " + describe(t) + " of " +
                           std::to_string(t.bytes) +
                           " bytes exceeds one MPI message");
      std::vector<char> &buf = staging_[i];
      buf.resize(sizeof(Header) + static_cast<size_t>(t.bytes));
      int count = static_cast<int>(buf.size());
      int peer = replica_ * ranks_ + t.peer, tag = static_cast<int>(t.dir);
      int rc;
      if (t.send) {
        Header h{t.tagStage(), t.mb, t.bytes};
        std::memcpy(buf.data(), &h, sizeof h);
        std::memcpy(buf.data() + sizeof h, t.buf, static_cast<size_t>(t.bytes));
        rc = MPI_Issend(buf.data(), count, MPI_BYTE, peer, tag, pipeline_,
                        &reqs[i]);
        sent += t.bytes;
      } else {
        rc = MPI_Irecv(buf.data(), count, MPI_BYTE, peer, tag, pipeline_,
                       &reqs[i]);
      }
      if (rc != MPI_SUCCESS)
        throw RuntimeError(label() + ": " + describe(t) + ": " + mpiError(rc));
    }
    waitAll(reqs, statuses, [&](size_t i) { return describe(group[i]); });
    for (size_t i = 0; i < n; ++i) {
      const Transfer &t = group[i];
      if (t.send)
        continue;
      Header h;
      int received = 0;
      MPI_Get_count(&statuses[i], MPI_BYTE, &received);
      if (received >= static_cast<int>(sizeof h))
        std::memcpy(&h, staging_[i].data(), sizeof h);
      else
        h = {-1, -1, -1};
      if (h.stage != t.tagStage() || h.mb != t.mb || h.bytes != t.bytes) {
        std::ostringstream os;
        os << label() << ": " << describe(t) << " (expects stage "
           << t.tagStage() << ", mb " << t.mb << ", " << t.bytes
           << " bytes) but rank " << t.peer << " sent stage " << h.stage
           << ", mb " << h.mb << ", " << h.bytes
           << " bytes: the programs of ranks " << t.peer << " and " << rank_
           << " disagree";
        throw RuntimeError(os.str());
      }
      std::memcpy(t.buf, staging_[i].data() + sizeof h,
                  static_cast<size_t>(t.bytes));
    }
    double seconds =
        std::chrono::duration<double>(Clock::now() - start).count();
    if (sent > 0 && seconds > 0)
      bandwidth_ = std::max(bandwidth_, sent / seconds);
  }

  /// s = b0; s += b1; ... in replica order, exactly as the threaded
  /// ReplicaReducer sums.
  void allReduceSum(float *data, int64_t count) override {
    if (replicaCount_ == 1)
      return;
    constexpr int64_t kChunk = int64_t(1) << 28;
    std::vector<float> partial;
    for (int64_t off = 0; off < count; off += kChunk) {
      int n = static_cast<int>(std::min(kChunk, count - off));
      float *mine = data + off;
      partial.assign(mine, mine + n);
      std::vector<MPI_Request> req(1, MPI_REQUEST_NULL);
      std::vector<MPI_Status> st(1);
      auto what = [&](size_t) {
        return "gradient all-reduce over " + std::to_string(replicaCount_) +
               " replicas";
      };
      if (replica_ > 0) {
        check(MPI_Irecv(partial.data(), n, MPI_FLOAT, replica_ - 1, kReduceTag,
                        replicas_, &req[0]));
        waitAll(req, st, what);
        for (int i = 0; i < n; ++i)
          partial[i] += mine[i];
      }
      if (replica_ + 1 < replicaCount_) {
        check(MPI_Isend(partial.data(), n, MPI_FLOAT, replica_ + 1, kReduceTag,
                        replicas_, &req[0]));
        waitAll(req, st, what);
      } else {
        std::copy(partial.begin(), partial.end(), mine);
      }
      check(MPI_Ibcast(mine, n, MPI_FLOAT, replicaCount_ - 1, replicas_,
                       &req[0]));
      waitAll(req, st, what);
    }
  }

  /// Every worker of the job (the pipeline communicator spans them all).
  void allReduceSumWorkers(float *data, int64_t count) override {
    if (count > INT_MAX)
      throw RuntimeError(label() + ": gradient norm sum of " +
                         std::to_string(count) + " floats exceeds one message");
    std::vector<MPI_Request> req(1, MPI_REQUEST_NULL);
    std::vector<MPI_Status> st(1);
    check(MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(count), MPI_FLOAT,
                         MPI_SUM, pipeline_, &req[0]));
    waitAll(req, st, [](size_t) { return std::string("gradient norm sum"); });
  }

  double bandwidth() const override { return bandwidth_; }

private:
  std::string label() const {
    std::string s = "rank " + std::to_string(rank_);
    if (replicaCount_ > 1)
      s += " (replica " + std::to_string(replica_) + ")";
    return s;
  }
  static std::string mpiError(int rc) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    return std::string(text, static_cast<size_t>(len));
  }
  void check(int rc) {
    if (rc != MPI_SUCCESS)
      throw RuntimeError(label() + ": gradient all-reduce: " + mpiError(rc));
  }
  /// Polls every request until all completed; past the deadline, names the
  /// first pending one.
  template <typename Describe>
  void waitAll(std::vector<MPI_Request> &reqs,
               std::vector<MPI_Status> &statuses, Describe describeRequest) {
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                       std::chrono::duration<double>(timeout_));
    std::vector<bool> done(reqs.size(), false);
    for (int spins = 0;; ++spins) {
      bool all = true;
      for (size_t i = 0; i < reqs.size(); ++i) {
        if (done[i])
          continue;
        int flag = 0;
        int rc = MPI_Test(&reqs[i], &flag, &statuses[i]);
        if (rc != MPI_SUCCESS) {
          std::string why = mpiError(rc);
          if (rc == MPI_ERR_TRUNCATE ||
              statuses[i].MPI_ERROR == MPI_ERR_TRUNCATE)
            why = "the peer sent a larger message than expected: programs "
                  "disagree";
          throw RuntimeError(label() + ": " + describeRequest(i) + ": " + why);
        }
        done[i] = flag != 0;
        all &= done[i];
      }
      if (all)
        return;
      if (Clock::now() > deadline) {
        size_t stuck =
            std::find(done.begin(), done.end(), false) - done.begin();
        std::ostringstream os;
        os << label() << ": " << describeRequest(stuck) << " timed out after "
           << timeout_ << " s (dead peer or mismatched programs)";
        throw RuntimeError(os.str());
      }
      if (spins > 64)
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }

  MPI_Comm pipeline_, replicas_;
  int ranks_, replicaCount_, rank_, replica_;
  double timeout_;
  std::vector<std::vector<char>> staging_;
  double bandwidth_ = 0;
};

} // namespace

std::unique_ptr<Transport> makeMpiTransport(MPI_Comm pipeline,
                                            MPI_Comm replicas, int ranks,
                                            int replicaCount, int rank,
                                            int replica,
                                            double timeoutSeconds) {
  return std::make_unique<MpiTransport>(pipeline, replicas, ranks, replicaCount,
                                        rank, replica, timeoutSeconds);
}

} // namespace pipert
