#include "core/sweep/sweep_runner.h"

#include <sched.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/data/catalog.h"
#include "core/sweep/sweep_run.h"
#include "core/train/session_factory.h"

namespace moe::core {

/** One dataset shared by the runs of one dataKey: loaded once, dropped after its last run. */
struct SweepRunner::DataSlot {
  std::once_flag loaded;
  std::shared_ptr<const DataSplits> data;
  std::exception_ptr error;
  std::size_t runsLeft = 0;
};

int autoParallelism(const TrainConfig& config, const DataShape& shape, int cores,
                    std::size_t pending, double availableBytes) {
  if (pending < 2 || cores < 2 || config.backend != "cpu") return 1;
  const MemoryEstimate e = estimateMemory(config, shape);
  if (e.parameters > kSmallRunParameters) return 1;
  std::size_t p = std::min(std::size_t(cores), pending);
  // Each concurrent run holds its own model, optimizer state and, per seed, its own data.
  if (availableBytes > 0.0 && e.total() > 0.0)
    p = std::min(p, std::size_t(std::max(1.0, 0.8 * availableBytes / e.total())));
  return int(p);
}

int usableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

SweepRunner::SweepRunner(SweepSpec spec, std::string dir)
    : mSpec(std::move(spec)), mDir(std::move(dir)), mRows(mSpec.runs.size()) {
  std::error_code ec;
  std::filesystem::create_directories(mDir, ec);
  if (!std::filesystem::is_directory(mDir))
    throw SweepError("cannot create the output folder '" + mDir + "'" +
                     (ec ? ": " + ec.message() : std::string()));
  {  // Written now, not after the first run that would be lost.
    const std::string probe = mDir + "/.moe-sweep-write-test";
    const bool ok = bool(std::ofstream(probe) << "ok");
    std::filesystem::remove(probe, ec);
    if (!ok) throw SweepError("cannot write into the output folder '" + mDir + "'");
  }
  std::map<std::string, std::size_t> byId;
  for (std::size_t i = 0; i < mSpec.runs.size(); ++i) byId[mSpec.runs[i].id] = i;
  for (SweepRow& row : readSweepResults(mDir)) {
    const auto at = byId.find(row.value("run", ""));
    if (at == byId.end()) mForeign.push_back(std::move(row));
    else if (isCompleteRow(row, mSpec.runs[at->second])) mRows[at->second] = std::move(row);
    // A row of a run whose settings changed, or cut short, is trained again and replaced.
  }
}

SweepRunner::~SweepRunner() = default;

bool SweepRunner::isFinished(std::size_t run) const {
  std::lock_guard lock(mRowsMutex);
  return !mRows.at(run).is_null();
}

std::size_t SweepRunner::pendingCount() const {
  std::lock_guard lock(mRowsMutex);
  return std::size_t(std::count_if(mRows.begin(), mRows.end(),
                                   [](const SweepRow& r) { return r.is_null(); }));
}

std::vector<SweepRow> SweepRunner::rows() const {
  std::lock_guard lock(mRowsMutex);
  std::vector<SweepRow> out;
  for (const SweepRow& r : mRows)
    if (!r.is_null()) out.push_back(r);
  out.insert(out.end(), mForeign.begin(), mForeign.end());
  return out;
}

void SweepRunner::setListener(std::function<void(const SweepEvent&)> listener) {
  std::lock_guard lock(mListenerMutex);
  mListener = std::move(listener);
}

void SweepRunner::emit(const SweepEvent& e) {
  std::lock_guard lock(mListenerMutex);
  if (mListener) mListener(e);
}

std::shared_ptr<const DataSplits> SweepRunner::dataFor(const TrainConfig& config) {
  std::shared_ptr<DataSlot> slot;
  {
    std::lock_guard lock(mDataMutex);
    slot = mData.at(dataKey(config));
  }
  std::call_once(slot->loaded, [&] {
    try {
      slot->data = loadData(config);
    } catch (...) {
      slot->error = std::current_exception();
    }
  });
  if (slot->error) std::rethrow_exception(slot->error);
  return slot->data;
}

void SweepRunner::releaseData(const TrainConfig& config) {
  std::lock_guard lock(mDataMutex);
  const auto at = mData.find(dataKey(config));
  if (at != mData.end() && --at->second->runsLeft == 0) mData.erase(at);
}

void SweepRunner::finish(std::size_t run, SweepRow row) {
  {
    std::lock_guard lock(mRowsMutex);
    mRows[run] = std::move(row);
  }
  // Runs that finish together (parallel arenas) write one after the other, each with every row
  // stored so far: two writers of the same .tmp file made one rename fail ("cannot replace").
  std::lock_guard lock(mWriteMutex);
  writeSweepResults(mDir, rows());
}

int SweepRunner::run(int parallel) {
  mStop = false;
  std::vector<std::size_t> pending;
  for (std::size_t i = 0; i < mSpec.runs.size(); ++i)
    if (!isFinished(i)) pending.push_back(i);
  // Rewritten even when nothing is pending: the CSV follows the JSON Lines file.
  writeSweepResults(mDir, rows());
  if (pending.empty()) return 0;
  {
    std::lock_guard lock(mDataMutex);
    mData.clear();
    for (std::size_t i : pending) {
      std::shared_ptr<DataSlot>& slot = mData[dataKey(mSpec.runs[i].config)];
      if (!slot) slot = std::make_shared<DataSlot>();
      ++slot->runsLeft;
    }
  }
  const int cores = usableCores();
  if (parallel <= 0) {
    // Decided on the first pending run: its data is loaded for it anyway.
    const TrainConfig& first = mSpec.runs[pending.front()].config;
    std::shared_ptr<const DataSplits> data;
    try {
      data = dataFor(first);
    } catch (const DataError& e) {
      throw SweepError("run '" + mSpec.runs[pending.front()].id + "': " + e.what());
    }
    parallel = autoParallelism(first, shapeOf(*data), cores, pending.size(),
                               availableMemoryBytes().value_or(0.0));
  }
  parallel = int(std::min<std::size_t>(std::size_t(parallel), pending.size()));

  std::atomic<std::size_t> next{0};
  std::mutex errorMutex;
  std::exception_ptr firstError;
  auto worker = [&] {
    for (std::size_t n; !mStop && (n = next++) < pending.size();) {
      const std::size_t i = pending[n];
      const SweepRun& run = mSpec.runs[i];
      try {
        const int threads = parallel == 1 ? run.config.threads : std::max(1, cores / parallel);
        emit({SweepEvent::Kind::Started, i, 0.0, nullptr});
        SweepRow row = trainSweepRun(run, dataFor(run.config), threads, mDir,
                                     [&](double f) { emit({SweepEvent::Kind::Progress, i, f, nullptr}); },
                                     mStop);
        releaseData(run.config);
        if (row.empty()) break;  // stopped
        finish(i, row);
        emit({SweepEvent::Kind::Finished, i, 1.0, &row});
      } catch (const std::exception& e) {
        // Settings or data that are refused are bad input; anything else is a failed run.
        const bool badInput = dynamic_cast<const std::invalid_argument*>(&e) ||
                              dynamic_cast<const DataError*>(&e);
        const std::string message = "run '" + run.id + "': " + e.what();
        std::lock_guard lock(errorMutex);
        if (!firstError)
          firstError = badInput ? std::make_exception_ptr(SweepError(message))
                                : std::make_exception_ptr(SweepFailure(message));
        mStop = true;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < parallel; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  {
    std::lock_guard lock(mDataMutex);
    mData.clear();
  }
  if (firstError) std::rethrow_exception(firstError);
  return parallel;
}

}  // namespace moe::core
