// moe-sweep: trains every run of a sweep spec (a grid or a list of configs, times seeds) and
// keeps one results row per run in DIR/results.csv and DIR/results.jsonl (docs/EXPERIMENTS.md).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "core/data/dataset.h"
#include "core/sweep/sweep_runner.h"

using namespace moe;

namespace {

// The exit codes of moe-train's contract (README, docs/RELIABILITY.md).
constexpr int kExitDone = 0, kExitFailed = 1, kExitBadInput = 2;

core::SweepRunner* gRunner = nullptr;

extern "C" void onInterrupt(int) {
  // Runs end after their current step; finished rows are already on disk.
  if (gRunner) gRunner->requestStop();
}

std::string clock(double seconds) {
  const long s = long(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return text;
}

/** The progress line: runs done, the share of the running ones, elapsed time and ETA. */
class Progress {
 public:
  Progress(std::size_t total, std::size_t done, bool tty)
      : mTotal(total), mDoneAtStart(done), mDone(done), mTty(tty),
        mFraction(total, 0.0), mStart(std::chrono::steady_clock::now()) {}

  void onEvent(const core::SweepEvent& e, const core::SweepSpec& spec) {
    if (e.kind == core::SweepEvent::Kind::Finished) {
      ++mDone;
      mFraction[e.run] = 0.0;
      const core::SweepRow& r = *e.row;
      const char* q = r.contains("test_rmse") ? "test_rmse" : "test_accuracy";
      if (mTty) std::fprintf(stderr, "\r\033[K");
      std::fprintf(stderr, "finished %s: %s %s, %.1f s\n", spec.runs[e.run].id.c_str(), q,
                   r[q].is_number() ? std::to_string(r[q].get<double>()).c_str() : "null",
                   r.value("run_seconds", 0.0));
    } else {
      mFraction[e.run] = e.fraction;
    }
    // A terminal redraws one line at most five times a second; a log gets a line per run event.
    const auto now = std::chrono::steady_clock::now();
    if (!mTty ? e.kind != core::SweepEvent::Kind::Finished
              : e.kind == core::SweepEvent::Kind::Progress &&
                    now - mLastDraw < std::chrono::milliseconds(200))
      return;
    mLastDraw = now;
    draw(now);
  }

  void draw(std::chrono::steady_clock::time_point now) const {
    double running = 0.0;
    for (double f : mFraction) running += f;
    const double elapsed = std::chrono::duration<double>(now - mStart).count();
    const double doneHere = double(mDone - mDoneAtStart) + running;
    const double left = double(mTotal - mDone) - running;
    const std::string eta = doneHere > 0.05 ? clock(elapsed / doneHere * left) : "?";
    const int width = 30, filled = int(width * (double(mDone) + running) / double(std::max<std::size_t>(1, mTotal)));
    std::fprintf(stderr, "%s[%-*s] %zu/%zu runs done, elapsed %s, ETA %s%s", mTty ? "\r\033[K" : "",
                 width, std::string(std::size_t(filled), '#').c_str(), mDone, mTotal,
                 clock(elapsed).c_str(), eta.c_str(), mTty ? "" : "\n");
    std::fflush(stderr);
  }

 private:
  std::size_t mTotal, mDoneAtStart, mDone;
  bool mTty;
  std::vector<double> mFraction;
  std::chrono::steady_clock::time_point mStart, mLastDraw{};
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"moe-sweep: train every run of a sweep spec and tabulate the results (MoE Explorer)"};
  std::string specFile, outDir;
  int parallel = 0;
  bool quiet = false;
  app.add_option("spec", specFile,
                 "sweep spec (JSON): {\"base\": {config keys}, \"grid\": {key: [values]} or "
                 "\"runs\": [{config keys}], \"seeds\": [0, 1, 2], and optionally \"baselines\": "
                 "[dense-active, dense-total, uniform-gate, bagging, boosting, stacking] with "
                 "\"ensemble_members\": N (docs/EXPERIMENTS.md)}")
      ->required();
  app.add_option("--out", outDir, "results folder: results.csv, results.jsonl, runs/RUN/history.jsonl")
      ->required();
  app.add_option("--parallel", parallel,
                 "runs trained at once, each with cores/N threads (default 0: all cores for runs "
                 "of up to 16 M parameters, else 1; docs/EXPERIMENTS.md)")
      ->check(CLI::Range(0, 256));
  app.add_flag("--quiet", quiet, "no progress line");
  app.footer("A run whose complete row is in DIR/results.jsonl is not trained again: run the "
             "same command to resume a stopped sweep.\nExit codes: 0 done, 1 a run failed, "
             "2 bad spec or settings (nothing trained).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitDone : kExitBadInput;
  }

  std::unique_ptr<core::SweepRunner> runner;
  try {
    runner = std::make_unique<core::SweepRunner>(core::loadSweepSpec(specFile), outDir);
  } catch (const core::SweepError& e) {
    std::cerr << "moe-sweep: " << e.what() << "\n";
    return kExitBadInput;
  }
  const core::SweepSpec& spec = runner->spec();
  const std::size_t total = spec.runs.size(), pending = runner->pendingCount();
  std::cerr << "moe-sweep: " << total << " run(s), " << total - pending << " already finished in "
            << outDir << "\n";
  if (runner->foreignRowCount() > 0)
    std::cerr << "moe-sweep: keeping " << runner->foreignRowCount()
              << " row(s) of runs that are not in this spec\n";
  Progress progress(total, total - pending, isatty(fileno(stderr)));
  if (!quiet)
    runner->setListener([&](const core::SweepEvent& e) { progress.onEvent(e, spec); });
  gRunner = runner.get();
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
  int code = kExitDone;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    const int used = runner->run(parallel);
    if (used > 0)
      std::cerr << (quiet ? "" : "\n") << "moe-sweep: trained " << pending << " run(s), " << used
                << " at a time, in "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
                << " s\n";
  } catch (const core::SweepError& e) {
    std::cerr << "\nmoe-sweep: " << e.what() << "\n";
    code = kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "\nmoe-sweep: " << e.what() << "\n";
    code = kExitFailed;
  }
  gRunner = nullptr;
  if (code == kExitDone && runner->pendingCount() > 0) {
    std::cerr << "moe-sweep: stopped with " << runner->pendingCount()
              << " run(s) left; run the same command again to resume\n";
    code = kExitFailed;
  }
  std::cout << core::sweepTable(runner->rows());
  return code;
}
