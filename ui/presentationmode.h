#pragma once
#include <utility>
#include <vector>

#include <QFont>
#include <QObject>
#include <QPointer>

class QAction;
class QMainWindow;
class QWidget;

namespace moe::ui {

class TrainingPanel;

/**
 * Presentation mode (View menu, F5, or moe-explorer --presentation): for a projector. The
 * setup panel is hidden, the Training tab shows four plots in two rows, every text in the
 * window is at least PlotView::kPresentationPixels high and plot lines are twice as thick, so
 * the window fits 1280x720 and 1920x1080 and reads from the back of a room. Off restores the
 * desk layout and fonts.
 */
class PresentationMode : public QObject {
  Q_OBJECT

 public:
  PresentationMode(QMainWindow* window, TrainingPanel* training);

  /** The View menu's checkable action (F5). */
  QAction* action() const { return mAction; }
  bool isOn() const { return mOn; }
  void setOn(bool on);

 private:
  QMainWindow* mWindow;
  TrainingPanel* mTraining;
  QAction* mAction;
  bool mOn = false;
  bool mDockWasVisible = true;
  QFont mWindowFont;
  std::vector<std::pair<QPointer<QWidget>, QFont>> mSavedFonts;  ///< fonts set on widgets
};

}  // namespace moe::ui
