#include "orchestrator/manifest_writer.h"

#include <time.h>

#include "common/error.h"

namespace dts::orchestrator {

namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

ManifestWriter::ManifestWriter(std::string path, std::chrono::milliseconds interval)
    : path_(std::move(path)), interval_(interval), thread_([this] { Loop(); }) {}

ManifestWriter::~ManifestWriter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ManifestWriter::RethrowLocked() {
  if (!error_) return;
  std::exception_ptr error = error_;
  error_ = nullptr;
  std::rethrow_exception(error);
}

void ManifestWriter::Submit(schema::SweepManifest snapshot) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    RethrowLocked();
    if (latest_) ++stats_.snapshots;  // superseded before it was written
    latest_ = std::move(snapshot);
    ++submitted_;
  }
  wake_.notify_one();
}

void ManifestWriter::Flush() {
  std::unique_lock<std::mutex> lock(mutex_);
  const long long target = submitted_;
  flush_ = true;
  wake_.notify_one();
  written_.wait(lock, [&] { return durable_ >= target || error_; });
  flush_ = false;
  RethrowLocked();
}

ManifestWriterStats ManifestWriter::Stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void ManifestWriter::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    // Sleep until there is a snapshot and either the interval since the last write has passed, or a flush or
    // the end asks for it now. With nothing handed over, only a flush or the end wakes the thread.
    if (!latest_) {
      if (done_) break;
      // A flush whose write failed has nothing left to write: without `!error_` this predicate stayed true,
      // the loop spun holding the mutex, and Flush() never got it back to see the error.
      wake_.wait(
          lock, [&] { return latest_.has_value() || done_ || (flush_ && durable_ < submitted_ && !error_); });
      continue;
    }
    const auto due = last_write_ + interval_;
    if (!done_ && !flush_ && std::chrono::steady_clock::now() < due) {
      wake_.wait_until(lock, due, [&] { return done_ || flush_; });
      continue;
    }
    schema::SweepManifest snapshot = std::move(*latest_);
    latest_.reset();
    const long long sequence = submitted_;
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    const double cpu_before = ThreadCpuSeconds();
    std::exception_ptr error;
    try {
      schema::WriteSweepManifest(path_, snapshot);
    } catch (...) {
      error = std::current_exception();
    }
    const auto end = std::chrono::steady_clock::now();
    const double cpu = ThreadCpuSeconds() - cpu_before;
    lock.lock();
    last_write_ = end;
    ++stats_.writes;
    ++stats_.snapshots;
    stats_.write_s += std::chrono::duration<double>(end - start).count();
    stats_.write_cpu_s += cpu;
    if (error) {
      error_ = error;
    } else {
      durable_ = std::max(durable_, sequence);
    }
    written_.notify_all();
  }
}

}  // namespace dts::orchestrator
