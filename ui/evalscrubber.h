#pragma once
#include <QWidget>

class QLabel;
class QPushButton;
class QSlider;

namespace moe::ui {

class SessionController;

/**
 * The time slider: scrubs the heatmap, the load plot's cursor and the gallery back through the
 * run's evaluations (SessionController::evalArchive), and says which one is shown ("step 1200 ·
 * evaluation 3 of 12"). At its right end, or with Latest, the views follow the newest again.
 * Every instance (training view, gallery) moves together.
 */
class EvalScrubber : public QWidget {
  Q_OBJECT

 public:
  explicit EvalScrubber(SessionController* controller, QWidget* parent = nullptr);

  QSlider* slider() const { return mSlider; }
  QPushButton* latestButton() const { return mLatest; }
  /** What the label says now, e.g. "step 1200 · 3 of 12". */
  QString shownText() const;

 private:
  void sync();

  SessionController* mController;
  QSlider* mSlider;
  QLabel* mText;
  QPushButton* mLatest;
  bool mSyncing = false;
};

}  // namespace moe::ui
