#pragma once
#include <memory>
#include <string>
#include <vector>

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTemporaryFile>
#include <QTimer>

namespace moe::core {
class Session;
}

namespace moe::ui {

class MainWindow;

/**
 * Trains in the window for a while and measures how late a 10 ms timer fires on the UI thread
 * (the event loop's responsiveness) and the training throughput with the window open, against
 * the same settings headless: moe-train itself (a child process, --config written from the
 * window) when it sits next to this program, else a bare Session loop in this process. A
 * shared machine's speed drifts by tens of percent within a minute, so the two alternate:
 * kRounds rounds of headless training then window training, each of seconds / kRounds. Also
 * reports launch-to-ready time: process start to the first session built, data included.
 */
class ResponsivenessBenchmark : public QObject {
  Q_OBJECT

 public:
  ResponsivenessBenchmark(MainWindow* window, double seconds, QObject* parent = nullptr);
  ~ResponsivenessBenchmark() override;

  /** Starts when the window's session is ready; emits finished(json) when done. */
  void start();
  const QJsonObject& result() const { return mResult; }

  /** Seconds since this process started (from /proc), or -1 where unknown. */
  static double processAgeSeconds();

 Q_SIGNALS:
  void finished(const QJsonObject& result);

 private:
  static constexpr int kRounds = 3;

  void onReady();
  void onTick();
  void startRound();
  void endWindowSegment();
  void finish();
  /** Trains the reference for `seconds`; adds to mHeadlessSamples/Seconds and the rounds. */
  void trainHeadless(double seconds);
  /** The same with moe-train in a child process on the window's settings. */
  void trainWithMoeTrain(double seconds);

  MainWindow* mWindow;
  double mSeconds;
  double mReadySeconds = -1.0;
  QTimer mTick;
  QElapsedTimer mSinceTick;
  QElapsedTimer mPhase;
  std::vector<double> mLateness;
  int mRound = 0;
  long mStartStep = 0;
  double mStartTrainSeconds = 0.0;
  long mStartTrainedSamples = 0;
  double mWindowWallSeconds = 0.0;
  double mUiCpuSeconds = 0.0;
  double mUiCpuStart = 0.0;
  std::unique_ptr<core::Session> mHeadless;
  QString mMoeTrain;          // path of moe-train, empty: the in-process loop is the reference
  QTemporaryFile mConfigFile;  // the window's settings, for moe-train --config
  std::string mHeadlessError;
  long mHeadlessSamples = 0;
  double mHeadlessSeconds = 0.0;
  std::vector<double> mHeadlessRounds, mWindowRounds;
  long mSegmentSamples = 0;
  double mSegmentTrainSeconds = 0.0;
  bool mStarted = false;
  QJsonObject mResult;
};

}  // namespace moe::ui
