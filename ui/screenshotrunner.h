#pragma once
#include <QObject>
#include <QString>

namespace moe::ui {

class MainWindow;

/**
 * Drives the window for documentation screenshots: trains for a while, optionally opens the
 * inspector on one input, grabs the window into a PNG and reports finished(ok).
 */
class ScreenshotRunner : public QObject {
  Q_OBJECT

 public:
  enum class View { Training, Inspector, Gallery };
  ScreenshotRunner(MainWindow* window, const QString& path, View view, double trainSeconds,
                   QObject* parent = nullptr);
  void start();

 Q_SIGNALS:
  void finished(bool ok);

 private:
  void afterTraining();
  void grab();

  MainWindow* mWindow;
  QString mPath;
  View mView;
  double mTrainSeconds;
  bool mStarted = false;
};

}  // namespace moe::ui
