#include "ui/evalscrubber.h"

#include <algorithm>

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>

#include "ui/hoverhelp.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

EvalScrubber::EvalScrubber(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  setObjectName(QStringLiteral("evalScrubber"));
  auto* label = new QLabel(tr("Evaluation"), this);
  mSlider = new QSlider(Qt::Horizontal, this);
  mSlider->setObjectName(QStringLiteral("evalSlider"));
  mSlider->setMinimumWidth(120);
  mSlider->setPageStep(1);
  mText = new QLabel(this);
  mText->setObjectName(QStringLiteral("evalShown"));
  mLatest = new QPushButton(tr("Latest"), this);
  mLatest->setObjectName(QStringLiteral("evalLatest"));
  const QString help = settingHelp(QStringLiteral("Evaluation"));
  for (QWidget* w : {static_cast<QWidget*>(label), static_cast<QWidget*>(mSlider),
                     static_cast<QWidget*>(mText), static_cast<QWidget*>(mLatest)})
    w->setToolTip(help);
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(4, 0, 4, 0);
  row->addWidget(label);
  row->addWidget(mSlider, 1);
  row->addWidget(mText);
  row->addWidget(mLatest);
  connect(mSlider, &QSlider::valueChanged, this, [this](int v) {
    if (!mSyncing) mController->showEvaluation(std::size_t(std::max(0, v)));
  });
  connect(mLatest, &QPushButton::clicked, this,
          [this] { mController->showEvaluation(mController->evalArchive().size()); });
  connect(controller, &SessionController::shownEvalChanged, this, &EvalScrubber::sync);
  connect(controller, &SessionController::sessionReady, this, &EvalScrubber::sync);
  sync();
}

QString EvalScrubber::shownText() const { return mText->text(); }

void EvalScrubber::sync() {
  const core::EvalArchive& archive = mController->evalArchive();
  const auto shown = mController->shownEval();
  std::size_t index = archive.empty() ? 0 : archive.size() - 1;
  for (std::size_t i = 0; i < archive.size() && mController->scrubbing(); ++i)
    if (shown && archive.at(i)->step == shown->step) index = i;
  mSyncing = true;
  mSlider->setRange(0, archive.empty() ? 0 : int(archive.size()) - 1);
  mSlider->setValue(int(index));
  mSyncing = false;
  mSlider->setEnabled(archive.size() > 1);
  mLatest->setEnabled(mController->scrubbing());
  if (!shown)
    mText->setText(tr("none yet"));
  else
    mText->setText(tr("step %1 · %2 of %3%4")
                       .arg(shown->step)
                       .arg(index + 1)
                       .arg(archive.size())
                       .arg(mController->scrubbing() ? QString() : tr(" (latest)")));
}

}  // namespace moe::ui
