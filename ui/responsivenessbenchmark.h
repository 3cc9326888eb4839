#pragma once
#include <vector>

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

namespace moe::ui {

class MainWindow;

/**
 * Trains in the window for a while and measures how late a 10 ms timer fires on the UI thread
 * (the event loop's responsiveness), the training throughput with the window open, and then
 * the same settings headless (a bare Session loop, as moe-train runs) for comparison. Also
 * reports launch-to-ready time: process start to the first session built, data included.
 */
class ResponsivenessBenchmark : public QObject {
  Q_OBJECT

 public:
  ResponsivenessBenchmark(MainWindow* window, double seconds, QObject* parent = nullptr);

  /** Starts when the window's session is ready; emits finished(json) when done. */
  void start();
  const QJsonObject& result() const { return mResult; }

  /** Seconds since this process started (from /proc), or -1 where unknown. */
  static double processAgeSeconds();

 Q_SIGNALS:
  void finished(const QJsonObject& result);

 private:
  void onReady();
  void onTick();
  void finishWindowPhase();
  double headlessSamplesPerSecond();

  MainWindow* mWindow;
  double mSeconds;
  double mReadySeconds = -1.0;
  QTimer mTick;
  QElapsedTimer mSinceTick;
  QElapsedTimer mPhase;
  std::vector<double> mLateness;
  long mStartStep = 0;
  double mUiCpuStart = 0.0;
  bool mStarted = false;
  QJsonObject mResult;
};

}  // namespace moe::ui
