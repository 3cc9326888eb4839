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
  /** Tree: the hme gating tree. Layers: the heatmaps of every MoE layer side by side (ui/layerscreenshot.h). */
  enum class View { Training, Inspector, Gallery, Text, Recommend, Health, Tree, Layers, Experiments, Ablation, Playground };
  ScreenshotRunner(MainWindow* window, const QString& path, View view, double trainSeconds,
                   QObject* parent = nullptr);
  void start();
  /** Text view: the sentence typed into the inspector's box. */
  void setTypedText(const QString& text) { mTyped = text; }
  /** Recommend view: the user (dense index) to show. */
  void setUser(int user) { mUser = user; }

 Q_SIGNALS:
  void finished(bool ok);

 private:
  void afterTraining();
  void showText();
  void showRecommendations();
  void showExperiments();
  void showPlayground();
  void grab();

  MainWindow* mWindow;
  QString mPath;
  View mView;
  double mTrainSeconds;
  bool mStarted = false;
  QString mTyped;
  int mUser = 0;
};

}  // namespace moe::ui
