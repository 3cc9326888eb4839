#include "ui/controlbar.h"

#include <algorithm>

#include <QAbstractSpinBox>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QKeyEvent>
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
  addSeparator();
  mLayer = new QComboBox(this);
  mLayer->setObjectName(QStringLiteral("viewLayer"));
  mLayer->setToolTip(tr("Deep MoE: the MoE layer whose routing the load plot, heatmap, inspector "
                        "and gallery show"));
  mLayerAction = addWidget(mLayer);
  mLayerAction->setVisible(false);  // only models with several MoE layers have a choice

  connect(mPlay, &QAction::triggered, controller, &SessionController::togglePlay);
  connect(mStepBatch, &QAction::triggered, controller, &SessionController::stepBatch);
  connect(mStepEpoch, &QAction::triggered, controller, &SessionController::stepEpoch);
  connect(mReset, &QAction::triggered, this, &ControlBar::resetRequested);
  connect(mStop, &QAction::triggered, controller, &SessionController::stop);
  connect(controller, &SessionController::stateChanged, this, &ControlBar::updateState);
  connect(controller, &SessionController::sessionReady, this, &ControlBar::updateState);
  connect(controller, &SessionController::sessionReady, this, &ControlBar::updateLayers);
  connect(mLayer, &QComboBox::currentIndexChanged, controller, &SessionController::setViewLayer);
  connect(controller, &SessionController::buildStarted, this, &ControlBar::updateState);
  updateState();
  qApp->installEventFilter(this);
}

bool ControlBar::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() != QEvent::KeyPress) return QToolBar::eventFilter(watched, event);
  const auto* key = static_cast<QKeyEvent*>(event);
  auto* widget = qobject_cast<QWidget*>(watched);
  if (key->key() != Qt::Key_Space || key->modifiers() != Qt::NoModifier || !widget ||
      widget->window() != window())
    return QToolBar::eventFilter(watched, event);
  // Only where Space means nothing to type: spin boxes and drop-downs (not text fields).
  const auto* combo = qobject_cast<QComboBox*>(widget);
  const bool takesSpace = qobject_cast<QAbstractSpinBox*>(widget) || (combo && !combo->isEditable());
  if (!takesSpace) return QToolBar::eventFilter(watched, event);
  if (mPlay->isEnabled()) {
    mPlay->trigger();
  } else {
    using S = core::TrainerState;
    const S state = mController->state();
    Q_EMIT playUnavailable(state == S::Finished
                               ? tr("Training has finished its epochs: raise Epochs and Apply to train on, or Reset (Ctrl+R).")
                               : tr("This run was stopped: Reset (Ctrl+R) or Apply to start a new one."));
  }
  return true;  // Space is Play/Pause here, never "open the drop-down"
}

void ControlBar::updateLayers() {
  const QSignalBlocker block(mLayer);
  mLayer->clear();
  const int layers = mController->layerCount();
  for (int l = 0; l < layers; ++l) mLayer->addItem(tr("MoE layer %1 of %2").arg(l + 1).arg(layers));
  mLayer->setCurrentIndex(std::max(0, mController->viewLayer()));
  mLayerAction->setVisible(layers > 1);
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
