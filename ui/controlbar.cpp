#include "ui/controlbar.h"

#include <QAction>
#include <QStyle>

#include "ui/sessioncontroller.h"

namespace moe::ui {

ControlBar::ControlBar(SessionController* controller, QWidget* parent)
    : QToolBar(tr("Training controls"), parent), mController(controller) {
  setObjectName(QStringLiteral("controlBar"));
  setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  setIconSize(QSize(28, 28));
  QFont f = font();
  f.setPointSize(f.pointSize() + 2);
  setFont(f);
  QStyle* s = style();
  mPlay = addAction(s->standardIcon(QStyle::SP_MediaPlay), tr("Play"));
  mPlay->setShortcut(Qt::Key_Space);
  mPlay->setToolTip(tr("Play / Pause (Space)"));
  mStepBatch = addAction(s->standardIcon(QStyle::SP_MediaSeekForward), tr("Step batch"));
  mStepBatch->setShortcut(QKeySequence(Qt::Key_Period));
  mStepBatch->setToolTip(tr("Train one batch, then pause (.)"));
  mStepEpoch = addAction(s->standardIcon(QStyle::SP_MediaSkipForward), tr("Step epoch"));
  mStepEpoch->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));
  mStepEpoch->setToolTip(tr("Train to the end of the epoch, then pause (Ctrl+.)"));
  addSeparator();
  mReset = addAction(s->standardIcon(QStyle::SP_BrowserReload), tr("Reset"));
  mReset->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  mReset->setToolTip(tr("Restart from the same seed and initial weights (Ctrl+R)"));
  mStop = addAction(s->standardIcon(QStyle::SP_MediaStop), tr("Stop"));
  mStop->setToolTip(tr("End this run"));

  connect(mPlay, &QAction::triggered, controller, &SessionController::togglePlay);
  connect(mStepBatch, &QAction::triggered, controller, &SessionController::stepBatch);
  connect(mStepEpoch, &QAction::triggered, controller, &SessionController::stepEpoch);
  connect(mReset, &QAction::triggered, this, &ControlBar::resetRequested);
  connect(mStop, &QAction::triggered, controller, &SessionController::stop);
  connect(controller, &SessionController::stateChanged, this, &ControlBar::updateState);
  connect(controller, &SessionController::sessionReady, this, &ControlBar::updateState);
  connect(controller, &SessionController::buildStarted, this, &ControlBar::updateState);
  updateState();
}

void ControlBar::updateState() {
  using S = core::TrainerState;
  const bool has = mController->hasSession();
  const S state = mController->state();
  const bool running = has && state == S::Running;
  const bool live = has && (state == S::Idle || state == S::Paused || state == S::Running ||
                            state == S::Failed);
  mPlay->setText(running ? tr("Pause") : tr("Play"));
  mPlay->setIcon(style()->standardIcon(running ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  mPlay->setEnabled(live);
  mStepBatch->setEnabled(live && !running);
  mStepEpoch->setEnabled(live && !running);
  mStop->setEnabled(has && state != S::Stopped && state != S::Finished);
  mReset->setEnabled(!mController->isBuilding());
}

}  // namespace moe::ui
