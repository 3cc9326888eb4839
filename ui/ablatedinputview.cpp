#include "ui/ablatedinputview.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "core/data/dataset.h"
#include "core/train/trainer.h"
#include "ui/sessioncontroller.h"

namespace moe::ui {

AblatedInputView::AblatedInputView(SessionController* controller, QWidget* parent)
    : QWidget(parent), mController(controller) {
  mRun = new QPushButton(tr("Predict with each expert removed"), this);
  mMode = new QComboBox(this);
  mMode->addItem(tr("its share to the next choice"), int(core::AblationMode::NextChoice));
  mMode->addItem(tr("the other gates renormalised"), int(core::AblationMode::Renormalise));
  mNote = new QLabel(this);
  mTable = new QTableWidget(0, 3, this);
  mTable->setHorizontalHeaderLabels({tr("Expert removed"), tr("Predicted"), tr("P(true class)")});
  mTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  mTable->verticalHeader()->hide();
  mTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
  mTable->setMaximumHeight(180);
  mTable->hide();
  auto* top = new QHBoxLayout;
  top->addWidget(mRun);
  top->addWidget(mMode, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(top);
  layout->addWidget(mNote);
  layout->addWidget(mTable);
  mTimer.setInterval(50);
  connect(&mTimer, &QTimer::timeout, this, &AblatedInputView::poll);
  connect(mRun, &QPushButton::clicked, this, &AblatedInputView::compute);
}

AblatedInputView::~AblatedInputView() {
  if (mFuture.valid()) mFuture.wait();
}

void AblatedInputView::setInput(int testIndex, int label) {
  if (testIndex == mIndex) return;
  mIndex = testIndex;
  mLabel = label;
  mTable->setRowCount(0);
  mTable->hide();
  mNote->clear();
  mRun->setEnabled(testIndex >= 0 && !mFuture.valid());
}

QString AblatedInputView::className(int c) const {
  const auto data = mController->data();
  if (data && c >= 0 && c < int(data->test.classNames.size()))
    return QString::fromStdString(data->test.classNames[std::size_t(c)]);
  return QString::number(c);
}

void AblatedInputView::compute() {
  core::Trainer* trainer = mController->trainer();
  if (!trainer || mIndex < 0 || mFuture.valid()) return;
  const int index = mIndex;
  const auto mode = core::AblationMode(mMode->currentData().toInt());
  mPendingIndex = index;
  mResult.clear();
  mFuture = trainer->post([this, index, mode](core::Session& s) {
    mResult = core::ablateInput(s, index, mode);
  });
  mRun->setEnabled(false);
  mNote->setText(tr("Removing each expert in turn…"));
  mTimer.start();
}

void AblatedInputView::poll() {
  if (!mFuture.valid() || mFuture.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
    return;
  mTimer.stop();
  mRun->setEnabled(mIndex >= 0);
  try {
    mFuture.get();
  } catch (const std::exception& e) {
    mNote->setText(tr("Cannot remove experts: %1").arg(QString::fromUtf8(e.what())));
    return;
  }
  if (mPendingIndex != mIndex) {  // another input is on display now
    mNote->clear();
    return;
  }
  mNote->setText(tr("Input #%1, true class %2:").arg(mIndex).arg(className(mLabel)));
  mTable->setRowCount(int(mResult.size()));
  for (int r = 0; r < int(mResult.size()); ++r) {
    const core::AblatedInput& a = mResult[std::size_t(r)];
    mTable->setItem(r, 0, new QTableWidgetItem(tr("E%1").arg(a.expert)));
    auto* predicted = new QTableWidgetItem(className(a.predicted));
    if (a.predicted != mLabel) predicted->setForeground(QColor(0xc6, 0x28, 0x28));
    mTable->setItem(r, 1, predicted);
    mTable->setItem(r, 2, new QTableWidgetItem(QString::number(a.labelProbability, 'f', 3)));
  }
  mTable->show();
  Q_EMIT computed();
}

}  // namespace moe::ui
