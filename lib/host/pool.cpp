// The compute thread pool of pool.h: open jobs in one list, helpers that join
// them while a core is free, owners that work on their own jobs too.
#include "pool.h"

#include <sched.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PIPEOPS_PAUSE() _mm_pause()
#else
#define PIPEOPS_PAUSE() std::this_thread::yield()
#endif

// The BLAS must not start threads of its own: the pool owns the cores. Weak,
// so a BLAS without this entry point (not OpenBLAS) still links.
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace pipeops::host {
namespace {

thread_local bool insideChunk = false; // nested jobs run inline

struct Job {
  ChunkFn fn;
  int64_t chunks;
  std::atomic<int64_t> next{0};
  std::atomic<int> seats;     // helpers that may still join
  std::atomic<int> inside{0}; // helpers working on it now
  std::mutex errorMutex;
  std::exception_ptr error;
  Job(ChunkFn fn, int64_t chunks, int seats)
      : fn(fn), chunks(chunks), seats(seats) {}

  /// Runs chunks until none is left or `stop()` says to; true when exhausted.
  template <typename Stop> bool work(Stop stop) {
    for (;;) {
      int64_t c = next.fetch_add(1);
      if (c >= chunks)
        return true;
      try {
        insideChunk = true;
        fn.call(fn.self, c);
        insideChunk = false;
      } catch (...) {
        insideChunk = false;
        std::lock_guard<std::mutex> lock(errorMutex);
        if (!error)
          error = std::current_exception();
        next.store(chunks); // the others stop at their next chunk
      }
      if (stop())
        return false;
    }
  }
};

int detectCores() {
  if (const char *env = std::getenv("PIPEOPS_HOST_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1)
      return n;
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
    return CPU_COUNT(&set);
  return std::max(1u, std::thread::hardware_concurrency());
}

class Pool {
public:
  Pool() : cores_(detectCores()) {
    if (openblas_set_num_threads)
      openblas_set_num_threads(1);
    for (int i = 1; i < cores_; ++i)
      helpers_.emplace_back([this] { helperLoop(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto &t : helpers_)
      t.join();
  }
  int cores() const { return cores_; }

  void claim() { computing_.fetch_add(1); }
  void release() {
    computing_.fetch_sub(1);
    if (openCount_.load() > 0) {
      // Taking the lock orders this against a helper about to sleep.
      { std::lock_guard<std::mutex> lock(mutex_); }
      wake_.notify_one();
    }
  }

  void run(int maxThreads, int64_t chunks, ChunkFn fn) {
    int seats = maxThreads <= 0 ? cores_ - 1 : std::min(maxThreads, cores_) - 1;
    if (chunks <= 0)
      return;
    if (chunks == 1 || seats <= 0 || insideChunk) {
      for (int64_t c = 0; c < chunks; ++c)
        fn.call(fn.self, c);
      return;
    }
    Job job(fn, chunks, static_cast<int>(std::min<int64_t>(seats, chunks - 1)));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      open_.push_back(&job);
      openCount_.fetch_add(1);
    }
    if (computing_.load() < cores_)
      wake_.notify_one();
    job.work([] { return false; });
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closeLocked(&job); // from here on no helper can join
    }
    // Helpers still inside finish at most one chunk each: spin briefly, then
    // sleep until the last one leaves.
    for (int i = 0; i < 4000 && job.inside.load() > 0; ++i)
      PIPEOPS_PAUSE();
    if (job.inside.load() > 0) {
      std::unique_lock<std::mutex> lock(mutex_);
      left_.wait(lock, [&] { return job.inside.load() == 0; });
    }
    if (job.error)
      std::rethrow_exception(job.error);
  }

private:
  void closeLocked(Job *job) {
    for (size_t i = 0; i < open_.size(); ++i)
      if (open_[i] == job) {
        open_.erase(open_.begin() + i);
        openCount_.fetch_sub(1);
        return;
      }
  }
  Job *joinableLocked() {
    for (Job *j : open_)
      if (j->seats.load() > 0 && j->next.load() < j->chunks)
        return j;
    return nullptr;
  }

  void helperLoop() {
    for (;;) {
      // Spin a little first: ranks issue many short jobs back to back.
      for (int i = 0; i < 2000 && openCount_.load() == 0; ++i)
        PIPEOPS_PAUSE();
      Job *job = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        // The job is picked inside the predicate, once: owners advance
        // `next` without the lock, so a second look could find none left.
        wake_.wait(lock, [&] {
          if (stop_)
            return true;
          job = computing_.load() < cores_ ? joinableLocked() : nullptr;
          return job != nullptr;
        });
        if (stop_)
          return;
        job->seats.fetch_sub(1);
        job->inside.fetch_add(1);
        computing_.fetch_add(1);
      }
      // Give the core back as soon as a rank returns to computing.
      bool exhausted = job->work([this] { return computing_.load() > cores_; });
      computing_.fetch_sub(1);
      job->seats.fetch_add(1);
      if (exhausted) {
        std::lock_guard<std::mutex> lock(mutex_);
        closeLocked(job);
      }
      // The owner may free the job once `inside` is 0: touch it no more.
      if (job->inside.fetch_sub(1) == 1) {
        { std::lock_guard<std::mutex> lock(mutex_); }
        left_.notify_all();
      }
    }
  }

  const int cores_;
  std::mutex mutex_;
  std::condition_variable wake_, left_;
  std::vector<Job *> open_;
  std::atomic<int> openCount_{0};
  std::atomic<int> computing_{0};
  bool stop_ = false;
  std::vector<std::thread> helpers_;
};

Pool &pool() {
  static Pool p;
  return p;
}

thread_local int claimDepth = 0;

} // namespace

int poolCores() { return pool().cores(); }

CoreClaim::CoreClaim() {
  if (claimDepth++ == 0)
    pool().claim();
}

CoreClaim::~CoreClaim() {
  if (--claimDepth == 0)
    pool().release();
}

void runChunks(int maxThreads, int64_t chunks, ChunkFn fn) {
  pool().run(maxThreads, chunks, fn);
}

} // namespace pipeops::host
