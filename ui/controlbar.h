#pragma once
#include <QToolBar>

#include "core/train/metrics.h"

class QAction;
class QComboBox;

namespace moe::ui {

class SessionController;

/**
 * Play/Pause (Space), Step batch, Step epoch, Reset, Stop; enabled to match the trainer.
 * Space means Play/Pause in the whole window, also with a spin box or drop-down focused (they
 * would take it: a spin box ignores it, a drop-down opens and then swallows Ctrl+R); when Play
 * is unavailable (the run finished or stopped), Space says why instead.
 */
class ControlBar : public QToolBar {
  Q_OBJECT

 public:
  explicit ControlBar(SessionController* controller, QWidget* parent = nullptr);

  QAction* playAction() const { return mPlay; }
  QAction* stepBatchAction() const { return mStepBatch; }
  QAction* stepEpochAction() const { return mStepEpoch; }
  QAction* resetAction() const { return mReset; }
  QAction* stopAction() const { return mStop; }
  /** The MoE layer the views show; visible only for models with several MoE layers. */
  QComboBox* layerBox() const { return mLayer; }

 Q_SIGNALS:
  void resetRequested();
  /** Space was pressed while Play is unavailable: why, and what to do. */
  void playUnavailable(const QString& why);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void updateState();
  /** One entry per MoE layer of the new session's model. */
  void updateLayers();

  SessionController* mController;
  QAction* mPlay;
  QAction* mStepBatch;
  QAction* mStepEpoch;
  QAction* mReset;
  QAction* mStop;
  QComboBox* mLayer;
  QAction* mLayerAction;
};

}  // namespace moe::ui
