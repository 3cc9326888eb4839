#pragma once
#include <QToolBar>

#include "core/train/metrics.h"

class QAction;

namespace moe::ui {

class SessionController;

/** Play/Pause (Space), Step batch, Step epoch, Reset, Stop; enabled to match the trainer. */
class ControlBar : public QToolBar {
  Q_OBJECT

 public:
  explicit ControlBar(SessionController* controller, QWidget* parent = nullptr);

  QAction* playAction() const { return mPlay; }
  QAction* stepBatchAction() const { return mStepBatch; }
  QAction* stepEpochAction() const { return mStepEpoch; }
  QAction* resetAction() const { return mReset; }
  QAction* stopAction() const { return mStop; }

 Q_SIGNALS:
  void resetRequested();

 private:
  void updateState();

  SessionController* mController;
  QAction* mPlay;
  QAction* mStepBatch;
  QAction* mStepEpoch;
  QAction* mReset;
  QAction* mStop;
};

}  // namespace moe::ui
