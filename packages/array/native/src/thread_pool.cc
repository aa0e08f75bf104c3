// The thread pool behind tiny-llm/thread_pool.h.
#include "tiny-llm/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace tl {
namespace {

int threads_from_env() {
  const char *env = std::getenv("TINY_LLM_NUM_THREADS");
  if (env != nullptr) {
    int n = std::atoi(env);
    if (n > 0) return std::min(n, 256);
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : int(hc);
}

// One spin-wait step: tells the core we are busy-waiting (cheaper for the sibling
// hyperthread and for power) where the instruction exists.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How long a worker (or the caller waiting for workers) busy-waits before it
// sleeps: about 0.1-0.3 ms. A decode step runs hundreds of small kernels back to
// back; waking a sleeping thread costs a futex call and a few microseconds each
// time, which spinning briefly avoids.
constexpr int kSpin = 1 << 14;

// A job is one function run once per slot t = 0 .. n-1. Slots are claimed, not
// assigned: the calling thread and every awake worker take the next unclaimed slot
// until none is left, and the caller waits only for the slots that were claimed. A
// worker that has not been scheduled yet (another process holds its core) therefore
// never holds up a job: the caller runs its slot, and when the worker wakes there is
// nothing left for it. On a quiet machine every thread gets one slot, as before.
// Workers wait for a new job generation, spinning briefly, then sleeping; while they
// spin they prefetch what prefetch_while_idle asked for, if anything.
class Pool {
 public:
  explicit Pool(int n) : n_(n) {
    for (int t = 1; t < n_; ++t) workers_.emplace_back([this] { loop(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_.store(true);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto &w : workers_) w.join();
  }

  int size() const { return n_; }

  void post_idle(const ByteSpan *spans, int n) {
    for (int i = 0; i < kIdlePrefetchSpans; ++i) {
      const auto p = i < n ? reinterpret_cast<uintptr_t>(spans[i].data) : 0;
      idle_[i].end.store(i < n ? p + uintptr_t(std::max<int64_t>(spans[i].bytes, 0)) : 0, std::memory_order_relaxed);
      idle_[i].next.store(p, std::memory_order_relaxed);
    }
  }

  int64_t idle_prefetched() const { return prefetched_.load(std::memory_order_relaxed); }

  void run(const std::function<void(int, int)> &fn) {
    if (n_ == 1) {
      fn(0, 1);
      return;
    }
    std::lock_guard<std::mutex> serial(run_mu_);  // one job at a time
    job_.store(&fn, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    // Released after the job and the count: a worker that claims a slot of this job sees both.
    next_slot_.store(0, std::memory_order_release);
    {
      // Under the lock, so that a worker about to sleep cannot miss the new generation.
      std::lock_guard<std::mutex> lock(mu_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    run_slots();
    for (int i = 0; i < kSpin; ++i) {
      if (done_.load(std::memory_order_acquire) == n_) return;
      cpu_relax();
    }
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return done_.load(std::memory_order_acquire) == n_; });
  }

 private:
  // Claims and runs slots of the current job until none is left.
  void run_slots() {
    for (int t; (t = next_slot_.fetch_add(1, std::memory_order_acq_rel)) < n_;) {
      (*job_.load(std::memory_order_acquire))(t, n_);
      if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
        // Under the lock, so that the caller cannot check done_ and then sleep past this.
        std::lock_guard<std::mutex> lock(mu_);
        done_cv_.notify_one();
      }
    }
  }

  void loop() {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g = generation_.load(std::memory_order_acquire);
      for (int i = 0; g == seen && i < kSpin; ++i) {
        if (!prefetch_piece()) cpu_relax();
        g = generation_.load(std::memory_order_acquire);
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        g = generation_.load(std::memory_order_acquire);
      }
      seen = g;
      if (stop_.load()) return;
      run_slots();
    }
  }

  // Prefetches the next piece of the idle request (post_idle) into L2 and returns true,
  // or returns false if none is left. Workers claim pieces, so several share a request.
  // A request replaced while a worker reads it can give it the old span's address and the
  // new one's end: harmless, since a prefetch never faults.
  bool prefetch_piece() {
    for (auto &s : idle_) {
      const uintptr_t end = s.end.load(std::memory_order_relaxed);
      if (s.next.load(std::memory_order_relaxed) >= end) continue;
      const uintptr_t p = s.next.fetch_add(kIdlePiece, std::memory_order_relaxed);
      if (p >= end) continue;
      const uintptr_t stop = std::min(p + kIdlePiece, end);
      for (uintptr_t q = p; q < stop; q += 64) __builtin_prefetch(reinterpret_cast<const void *>(q), 0, 2);
      prefetched_.fetch_add(int64_t(stop - p), std::memory_order_relaxed);
      return true;
    }
    return false;
  }

  // The idle request: per span the next piece to claim and the end.
  static constexpr uintptr_t kIdlePiece = 4096;
  struct IdleSpan {
    std::atomic<uintptr_t> next{0}, end{0};
  };
  IdleSpan idle_[kIdlePrefetchSpans];
  std::atomic<int64_t> prefetched_{0};

  int n_;
  std::vector<std::thread> workers_;
  std::mutex mu_, run_mu_;
  std::condition_variable cv_, done_cv_;
  std::atomic<const std::function<void(int, int)> *> job_{nullptr};
  // Slots claimed so far (n_ or more: all claimed) and slots finished, of the current job.
  std::atomic<int> next_slot_{1 << 30}, done_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
};

Pool &pool() {
  static Pool p(threads_from_env());
  return p;
}

}  // namespace

int num_threads() { return pool().size(); }

void parallel_threads(const std::function<void(int, int)> &fn) { pool().run(fn); }

void prefetch_while_idle(const ByteSpan *spans, int n) { pool().post_idle(spans, n); }

int64_t idle_prefetched_bytes() { return pool().idle_prefetched(); }

}  // namespace tl
