#include "ui/responsivenessbenchmark.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <fstream>
#include <sstream>

#include <QCoreApplication>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QThread>
#include <QTimer>

#include <nlohmann/json.hpp>

#include "core/train/session_factory.h"
#include "core/train/trainer.h"
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

// The trainer's own snapshot: the controller's copy is refreshed by its timer, which does not
// run while this benchmark holds the UI thread.
core::Snapshot liveSnapshot(const SessionController* c) {
  return c->trainer() ? c->trainer()->snapshot() : c->snapshot();
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

ResponsivenessBenchmark::~ResponsivenessBenchmark() = default;

void ResponsivenessBenchmark::onReady() {
  if (mStarted) return;
  mStarted = true;
  mReadySeconds = processAgeSeconds();
  SessionController* c = mWindow->controller();
  // The reference is moe-train itself when it sits next to this program, else the same
  // training loop in this process.
  const QString moeTrain = QCoreApplication::applicationDirPath() + QStringLiteral("/moe-train");
  if (QFileInfo(moeTrain).isExecutable() && mConfigFile.open()) {
    nlohmann::json j = c->config();
    mConfigFile.write(QByteArray::fromStdString(j.dump()));
    mConfigFile.flush();
    mMoeTrain = moeTrain;
  }
  const core::Snapshot snap = liveSnapshot(c);
  mStartStep = snap.step;
  mStartTrainSeconds = snap.trainSeconds;
  mStartTrainedSamples = snap.trainedSamples;
  startRound();
}

void ResponsivenessBenchmark::trainHeadless(double seconds) {
  if (!mMoeTrain.isEmpty()) {
    trainWithMoeTrain(seconds);
    return;
  }
  SessionController* c = mWindow->controller();
  if (!mHeadless && mHeadlessError.empty() && c->data()) {
    // Built on first use (moe-train is the usual reference); it then carries on from round
    // to round as the window's session does.
    try {
      mHeadless = core::buildSession(c->config(), c->data()).session;
      mHeadless->trainStep();  // warm-up: first-call allocations, as the window's first step
    } catch (const std::exception& e) {
      mHeadlessError = e.what();
      mHeadless.reset();
    }
  }
  if (!mHeadless) return;
  const auto t0 = std::chrono::steady_clock::now();
  long samples = 0;
  double elapsed = 0.0;
  try {
    while (elapsed < seconds && !mHeadless->finished()) {
      samples += mHeadless->trainStep().samples;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
  } catch (const std::exception& e) {
    mHeadlessError = e.what();
    mHeadless.reset();
  }
  mHeadlessSamples += samples;
  mHeadlessSeconds += elapsed;
  mHeadlessRounds.push_back(elapsed > 0 ? double(samples) / elapsed : 0.0);
}

void ResponsivenessBenchmark::trainWithMoeTrain(double seconds) {
  // moe-train itself, on the window's settings, for about `seconds` of training: whole
  // epochs, sized from the last rate seen. Its last JSON line holds its rate and seconds.
  SessionController* c = mWindow->controller();
  const long rows = c->data() ? long(c->data()->train.rows()) : 0;
  const double rate = mHeadlessRounds.empty() ? 30000.0 : mHeadlessRounds.back();
  const int epochs = std::clamp(int(std::lround(seconds * rate / double(std::max(1L, rows)))), 1, 100);
  QProcess process;
  process.setProgram(mMoeTrain);
  process.setArguments({QStringLiteral("--config"), mConfigFile.fileName(), QStringLiteral("--epochs"),
                        QString::number(epochs), QStringLiteral("--json")});
  process.start();
  if (!process.waitForFinished(int(seconds * 1000 * 10 + 60000)) || process.exitCode() != 0) {
    mHeadlessError = "moe-train failed: " + process.readAllStandardError().trimmed().toStdString();
    process.kill();
    mMoeTrain.clear();  // the in-process loop takes over
    trainHeadless(seconds);
    return;
  }
  const QList<QByteArray> lines = process.readAllStandardOutput().trimmed().split('\n');
  const QJsonObject last = QJsonDocument::fromJson(lines.isEmpty() ? QByteArray() : lines.back()).object();
  const double sps = last.value(QStringLiteral("train_samples_per_s")).toDouble();
  const double trained = last.value(QStringLiteral("train_seconds")).toDouble();
  mHeadlessSamples += long(std::lround(sps * trained));
  mHeadlessSeconds += trained;
  mHeadlessRounds.push_back(sps);
}

void ResponsivenessBenchmark::startRound() {
  const double segment = mSeconds / kRounds;
  trainHeadless(segment);  // blocks this thread: the lateness timer is not running
  SessionController* c = mWindow->controller();
  const core::Snapshot snap = liveSnapshot(c);
  mSegmentSamples = snap.trainedSamples;
  mSegmentTrainSeconds = snap.trainSeconds;
  c->play();
  mUiCpuStart = threadCpuSeconds();
  mPhase.start();
  mSinceTick.start();
  mTick.start();
  QTimer::singleShot(int(segment * 1000), this, &ResponsivenessBenchmark::endWindowSegment);
}

void ResponsivenessBenchmark::onTick() {
  const double ms = double(mSinceTick.nsecsElapsed()) / 1e6;
  mSinceTick.restart();
  mLateness.push_back(std::max(0.0, ms - 10.0));
}

void ResponsivenessBenchmark::endWindowSegment() {
  mTick.stop();
  mWindowWallSeconds += double(mPhase.nsecsElapsed()) / 1e9;
  mUiCpuSeconds += threadCpuSeconds() - mUiCpuStart;
  SessionController* c = mWindow->controller();
  c->pause();
  // The trainer finishes the step under way: wait for it, so the next headless segment has
  // the machine to itself and this segment's figures are complete.
  QElapsedTimer wait;
  wait.start();
  while (c->trainer() && c->trainer()->state() == core::TrainerState::Running &&
         wait.elapsed() < 5000)
    QThread::msleep(2);
  const core::Snapshot snap = liveSnapshot(c);
  const double seconds = snap.trainSeconds - mSegmentTrainSeconds;
  mWindowRounds.push_back(seconds > 0 ? double(snap.trainedSamples - mSegmentSamples) / seconds : 0.0);
  if (++mRound < kRounds)
    startRound();
  else
    finish();
}

void ResponsivenessBenchmark::finish() {
  SessionController* c = mWindow->controller();
  const core::Snapshot snap = liveSnapshot(c);
  const long steps = snap.step - mStartStep;
  const core::TrainConfig config = c->config();
  // As moe-train counts it: samples trained over the seconds spent in training steps (the
  // test-set evaluations at each epoch's end are not training time, here or there).
  const double trainSeconds = snap.trainSeconds - mStartTrainSeconds;
  const long trained = snap.trainedSamples - mStartTrainedSamples;
  const double windowSps = trainSeconds > 0 ? double(trained) / trainSeconds : 0.0;
  const double headless = mHeadlessSeconds > 0 ? double(mHeadlessSamples) / mHeadlessSeconds : 0.0;
  const auto array = [](const std::vector<double>& v) {
    QJsonArray a;
    for (double x : v) a.append(x);
    return a;
  };

  QJsonObject r;
  r[QStringLiteral("seconds")] = mWindowWallSeconds;
  r[QStringLiteral("rounds")] = kRounds;
  r[QStringLiteral("launch_to_ready_s")] = mReadySeconds;
  r[QStringLiteral("build_s")] = c->lastBuildSeconds();
  r[QStringLiteral("lateness_samples")] = int(mLateness.size());
  r[QStringLiteral("lateness_p50_ms")] = percentile(mLateness, 0.50);
  r[QStringLiteral("lateness_p99_ms")] = percentile(mLateness, 0.99);
  r[QStringLiteral("lateness_max_ms")] = percentile(mLateness, 1.0);
  r[QStringLiteral("ui_thread_cpu_share")] = mWindowWallSeconds > 0 ? mUiCpuSeconds / mWindowWallSeconds : 0.0;
  r[QStringLiteral("load_average_1m")] = loadAverage();
  r[QStringLiteral("steps")] = double(steps);
  r[QStringLiteral("evaluations")] = int(c->history().evals().size());
  r[QStringLiteral("window_samples_per_s")] = windowSps;
  r[QStringLiteral("window_train_seconds")] = trainSeconds;
  r[QStringLiteral("window_wall_samples_per_s")] =
      mWindowWallSeconds > 0 ? double(trained) / mWindowWallSeconds : 0.0;
  r[QStringLiteral("window_rounds_samples_per_s")] = array(mWindowRounds);
  r[QStringLiteral("headless_samples_per_s")] = headless;
  r[QStringLiteral("headless_reference")] =
      mMoeTrain.isEmpty() ? QStringLiteral("in-process Session loop") : QStringLiteral("moe-train");
  r[QStringLiteral("headless_rounds_samples_per_s")] = array(mHeadlessRounds);
  if (!mHeadlessError.empty())
    r[QStringLiteral("headless_error")] = QString::fromStdString(mHeadlessError);
  r[QStringLiteral("throughput_ratio")] = headless > 0 ? windowSps / headless : 0.0;
  r[QStringLiteral("trainer_reported_samples_per_s")] = snap.samplesPerSecond;
  r[QStringLiteral("backend")] = QString::fromStdString(snap.backendName);
  r[QStringLiteral("threads")] = config.threads;
  r[QStringLiteral("batch_size")] = config.batchSize;
  r[QStringLiteral("experts")] = config.model.experts;
  r[QStringLiteral("top_k")] = config.model.topK;
  r[QStringLiteral("train_rows")] = c->data() ? c->data()->train.rows() : 0;
  mResult = r;
  Q_EMIT finished(mResult);
}

}  // namespace moe::ui
