#pragma once
/**
 * @file Runs a sweep's runs to completion, several at once when that is faster, keeping each
 * finished run's row in DIR/results.jsonl and DIR/results.csv as soon as it finishes: a sweep
 * that is stopped or killed resumes where it was, and one run again trains nothing.
 *
 * Concurrency: P runs train at once, each on its own backend (its own oneTBB arena) with
 * max(1, cores / P) threads; with P = 1 a run uses the threads its config asks for. Results do
 * not depend on P (the CPU backend gives the same numbers with any thread count).
 */
#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/sweep/sweep_results.h"
#include "core/sweep/sweep_spec.h"
#include "core/train/memory_budget.h"

namespace moe::core {

/** A run failed for a reason other than its input (out of memory, a backend error). */
class SweepFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/** What the runner tells its listener; calls are serialised (never two at once). */
struct SweepEvent {
  enum class Kind { Started, Progress, Finished };
  Kind kind = Kind::Started;
  std::size_t run = 0;          ///< index into SweepSpec::runs
  double fraction = 0.0;        ///< Progress: share of the run's steps done
  const SweepRow* row = nullptr;  ///< Finished: the run's row
};

/** Runs of at most this many parameters train faster side by side, one thread each, than one
 *  after the other on all threads (docs/EXPERIMENTS.md, "Concurrent or sequential"). */
constexpr double kSmallRunParameters = 16e6;

/**
 * The default number of concurrent runs: 1 when fewer than two runs are pending, the machine
 * has one core, the backend is not the CPU, or a run has more than kSmallRunParameters
 * parameters; else min(cores, pending runs, runs whose memory estimate fits in 80% of
 * `availableBytes` (ignored when 0)).
 */
int autoParallelism(const TrainConfig& config, const DataShape& shape, int cores,
                    std::size_t pending, double availableBytes);

/** The CPU cores this process may use. */
int usableCores();

class SweepRunner {
 public:
  /** Creates DIR when missing and reads its results.jsonl. @throws SweepError when DIR cannot
   *  be created or written. */
  SweepRunner(SweepSpec spec, std::string dir);
  ~SweepRunner();

  const SweepSpec& spec() const { return mSpec; }
  const std::string& dir() const { return mDir; }
  /** Whether run i has a complete row (from DIR or from this runner). */
  bool isFinished(std::size_t run) const;
  std::size_t pendingCount() const;
  /** The finished runs' rows in spec order, then the rows DIR held of runs that are not in this
   *  spec (kept, never dropped). */
  std::vector<SweepRow> rows() const;
  /** How many rows of DIR belong to no run of this spec. */
  std::size_t foreignRowCount() const { return mForeign.size(); }

  void setListener(std::function<void(const SweepEvent&)> listener);
  /** Asks running runs to end after their current step; run() then returns. Thread-safe. */
  void requestStop() { mStop = true; }
  bool stopRequested() const { return mStop.load(); }

  /**
   * Trains every pending run, `parallel` at once (0: autoParallelism). Returns the parallelism
   * used. A run that cannot be built or fails stops the others after their current step; the
   * rows finished by then are kept, and the first failure is thrown, naming the run: SweepError
   * when its settings or data were refused (bad input), SweepFailure otherwise.
   */
  int run(int parallel = 0);

 private:
  std::shared_ptr<const DataSplits> dataFor(const TrainConfig& config);
  void releaseData(const TrainConfig& config);
  void emit(const SweepEvent& e);
  void finish(std::size_t run, SweepRow row);

  SweepSpec mSpec;
  std::string mDir;
  std::vector<SweepRow> mRows;     ///< per run; null until finished
  std::vector<SweepRow> mForeign;  ///< DIR's rows of runs not in the spec
  mutable std::mutex mRowsMutex;
  std::mutex mWriteMutex;  ///< one writer of results.jsonl / results.csv at a time
  std::mutex mListenerMutex, mDataMutex;
  std::function<void(const SweepEvent&)> mListener;
  std::atomic<bool> mStop{false};
  struct DataSlot;
  std::map<std::string, std::shared_ptr<DataSlot>> mData;  ///< by dataKey, while runs need it
};

}  // namespace moe::core
