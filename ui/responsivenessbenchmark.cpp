#include "ui/responsivenessbenchmark.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <fstream>
#include <sstream>

#include <QTimer>

#include "compute/backend_factory.h"
#include "core/train/session.h"
#include "ui/mainwindow.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

namespace {

double threadCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double loadAverage() {
  double avg[1] = {-1.0};
  return getloadavg(avg, 1) == 1 ? avg[0] : -1.0;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const std::size_t i = std::min(v.size() - 1, std::size_t(p * double(v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

ResponsivenessBenchmark::ResponsivenessBenchmark(MainWindow* window, double seconds, QObject* parent)
    : QObject(parent), mWindow(window), mSeconds(seconds) {
  mTick.setTimerType(Qt::PreciseTimer);
  mTick.setInterval(10);
  connect(&mTick, &QTimer::timeout, this, &ResponsivenessBenchmark::onTick);
}

double ResponsivenessBenchmark::processAgeSeconds() {
  // Field 22 of /proc/self/stat: start time in clock ticks after boot; /proc/uptime: now.
  std::ifstream stat("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  std::ifstream uptimeFile("/proc/uptime");
  double uptime = -1.0;
  if (paren == std::string::npos || !(uptimeFile >> uptime)) return -1.0;
  std::istringstream rest(text.substr(paren + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return uptime - std::stod(field) / double(sysconf(_SC_CLK_TCK));
  }
  return -1.0;
}

void ResponsivenessBenchmark::start() {
  SessionController* c = mWindow->controller();
  connect(c, &SessionController::sessionReady, this, &ResponsivenessBenchmark::onReady);
  connect(c, &SessionController::notice, this, [this](const QString& text, bool error) {
    if (!error || mStarted) return;
    mResult[QStringLiteral("error")] = text;  // the session could not be built
    Q_EMIT finished(mResult);
  });
}

void ResponsivenessBenchmark::onReady() {
  if (mStarted) return;
  mStarted = true;
  mReadySeconds = processAgeSeconds();
  SessionController* c = mWindow->controller();
  mStartStep = c->snapshot().step;
  c->play();
  mUiCpuStart = threadCpuSeconds();
  mPhase.start();
  mSinceTick.start();
  mTick.start();
  QTimer::singleShot(int(mSeconds * 1000), this, &ResponsivenessBenchmark::finishWindowPhase);
}

void ResponsivenessBenchmark::onTick() {
  const double ms = double(mSinceTick.nsecsElapsed()) / 1e6;
  mSinceTick.restart();
  mLateness.push_back(std::max(0.0, ms - 10.0));
}

void ResponsivenessBenchmark::finishWindowPhase() {
  mTick.stop();
  SessionController* c = mWindow->controller();
  const double elapsed = double(mPhase.nsecsElapsed()) / 1e9;
  const double uiCpu = threadCpuSeconds() - mUiCpuStart;
  const core::Snapshot snap = c->snapshot();
  const long steps = snap.step - mStartStep;
  const core::TrainConfig config = c->config();
  c->pause();
  const double windowSps = double(steps) * config.batchSize / elapsed;
  const double headless = headlessSamplesPerSecond();

  QJsonObject r;
  r[QStringLiteral("seconds")] = elapsed;
  r[QStringLiteral("launch_to_ready_s")] = mReadySeconds;
  r[QStringLiteral("build_s")] = c->lastBuildSeconds();
  r[QStringLiteral("lateness_samples")] = int(mLateness.size());
  r[QStringLiteral("lateness_p50_ms")] = percentile(mLateness, 0.50);
  r[QStringLiteral("lateness_p99_ms")] = percentile(mLateness, 0.99);
  r[QStringLiteral("lateness_max_ms")] = percentile(mLateness, 1.0);
  r[QStringLiteral("ui_thread_cpu_share")] = uiCpu / elapsed;
  r[QStringLiteral("load_average_1m")] = loadAverage();
  r[QStringLiteral("steps")] = double(steps);
  r[QStringLiteral("evaluations")] = int(c->history().evals.size());
  r[QStringLiteral("window_samples_per_s")] = windowSps;
  r[QStringLiteral("trainer_reported_samples_per_s")] = snap.samplesPerSecond;
  r[QStringLiteral("headless_samples_per_s")] = headless;
  r[QStringLiteral("throughput_ratio")] = headless > 0 ? windowSps / headless : 0.0;
  r[QStringLiteral("backend")] = QString::fromStdString(snap.backendName);
  r[QStringLiteral("threads")] = config.threads;
  r[QStringLiteral("batch_size")] = config.batchSize;
  r[QStringLiteral("experts")] = config.model.experts;
  r[QStringLiteral("top_k")] = config.model.topK;
  r[QStringLiteral("train_rows")] = c->data() ? c->data()->train.rows() : 0;
  mResult = r;
  Q_EMIT finished(mResult);
}

double ResponsivenessBenchmark::headlessSamplesPerSecond() {
  // The same settings and data in a bare Session loop on this thread, as moe-train trains.
  SessionController* c = mWindow->controller();
  if (!c->data()) return 0.0;
  try {
    const core::TrainConfig config = c->config();
    compute::BackendChoice backend = compute::createBackend(config.backend, config.threads);
    core::Session session(config, c->data(), std::move(backend.backend));
    session.trainStep();  // warm-up: first-call allocations
    const auto t0 = std::chrono::steady_clock::now();
    long steps = 0;
    double elapsed = 0.0;
    while (elapsed < mSeconds && !session.finished()) {
      session.trainStep();
      ++steps;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    return elapsed > 0 ? double(steps) * config.batchSize / elapsed : 0.0;
  } catch (const std::exception&) {
    return 0.0;
  }
}

}  // namespace moe::ui
