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

// Workers wait for a new job generation (spinning, then sleeping on a condition
// variable); a job is one function run once per thread. The calling thread is
// thread 0 and does its share too.
class Pool {
 public:
  explicit Pool(int n) : n_(n) {
    for (int t = 1; t < n_; ++t) workers_.emplace_back([this, t] { loop(t); });
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

  void run(const std::function<void(int, int)> &fn) {
    if (n_ == 1) {
      fn(0, 1);
      return;
    }
    std::lock_guard<std::mutex> serial(run_mu_);  // one job at a time
    job_ = &fn;
    pending_.store(n_ - 1, std::memory_order_relaxed);
    {
      // Under the lock, so that a worker about to sleep cannot miss the new generation.
      std::lock_guard<std::mutex> lock(mu_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    fn(0, n_);
    for (int i = 0; i < kSpin; ++i) {
      if (pending_.load(std::memory_order_acquire) == 0) return;
      cpu_relax();
    }
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  }

 private:
  void loop(int t) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t g = generation_.load(std::memory_order_acquire);
      for (int i = 0; g == seen && i < kSpin; ++i) {
        cpu_relax();
        g = generation_.load(std::memory_order_acquire);
      }
      if (g == seen) {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        g = generation_.load(std::memory_order_acquire);
      }
      seen = g;
      if (stop_.load()) return;
      (*job_)(t, n_);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        // Under the lock, so that the caller cannot check pending_ and then sleep
        // past this notification.
        std::lock_guard<std::mutex> lock(mu_);
        done_cv_.notify_one();
      }
    }
  }

  int n_;
  std::vector<std::thread> workers_;
  std::mutex mu_, run_mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int, int)> *job_ = nullptr;
  std::atomic<int> pending_{0};
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

}  // namespace tl
