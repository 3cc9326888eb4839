#pragma once
#include <memory>
#include <thread>

#include <QObject>
#include <QString>

#include "core/sweep/sweep_runner.h"

namespace moe::ui {

/**
 * A sweep trained off the GUI thread: a core::SweepRunner on its own thread, its events
 * re-emitted as signals on the GUI thread. Destroying the job stops the runs after their
 * current step and waits for the thread.
 */
class SweepJob : public QObject {
  Q_OBJECT

 public:
  /** @throws core::SweepError when DIR cannot be created or written. */
  SweepJob(core::SweepSpec spec, const QString& dir, QObject* parent = nullptr);
  ~SweepJob() override;

  void start(int parallel = 0);
  void stop();
  bool running() const { return mThread.joinable() && !mDone; }
  const core::SweepRunner& runner() const { return *mRunner; }

 Q_SIGNALS:
  void runStarted(int run);
  void runProgress(int run, double fraction);
  void runFinished(int run);
  /** ok: every run finished; error: the first failure's message (empty when ok or stopped). */
  void finished(bool ok, const QString& error);

 private:
  std::unique_ptr<core::SweepRunner> mRunner;
  std::thread mThread;
  bool mDone = false;
};

}  // namespace moe::ui
