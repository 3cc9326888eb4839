#include "ui/hmeoptionsbox.h"

#include <QComboBox>
#include <QFormLayout>
#include <QSpinBox>
#include <QStandardItemModel>

#include "ui/rangedspinbox.h"

namespace moe::ui {

HmeOptionsBox::HmeOptionsBox(QWidget* parent) : QGroupBox(tr("Tree of experts (HME)"), parent) {
  setObjectName(QStringLiteral("hmeOptions"));
  auto* form = new QFormLayout(this);
  mDepth = new RangedSpinBox(this);
  mDepth->setObjectName(QStringLiteral("hmeDepth"));
  mDepth->setRange(1, 8);
  form->addRow(tr("Depth"), mDepth);
  mBranching = new RangedSpinBox(this);
  mBranching->setObjectName(QStringLiteral("hmeBranching"));
  mBranching->setRange(2, 16);
  form->addRow(tr("Branching"), mBranching);
  mFit = new QComboBox(this);
  mFit->setObjectName(QStringLiteral("hmeFit"));
  mFit->addItem(tr("Gradient (backpropagation)"), int(core::FitMethod::Gradient));
  mFit->addItem(tr("EM (Jordan & Jacobs 1994)"), int(core::FitMethod::Em));
  form->addRow(tr("Fit"), mFit);
  mLoss = new QComboBox(this);
  mLoss->setObjectName(QStringLiteral("hmeMixtureLoss"));
  mLoss->addItem(tr("Compete (mixture likelihood)"), int(core::MixtureLoss::Compete));
  mLoss->addItem(tr("Cooperate (averaged prediction)"), int(core::MixtureLoss::Cooperate));
  form->addRow(tr("Mixture loss"), mLoss);
  for (QSpinBox* s : {mDepth, mBranching})
    connect(s, &QSpinBox::valueChanged, this, &HmeOptionsBox::changed);
  for (QComboBox* c : {mFit, mLoss})
    connect(c, &QComboBox::currentIndexChanged, this, &HmeOptionsBox::changed);
  // EM maximises the likelihood: it goes with the compete loss.
  connect(mFit, &QComboBox::currentIndexChanged, this, [this] {
    if (core::FitMethod(mFit->currentData().toInt()) == core::FitMethod::Em)
      mLoss->setCurrentIndex(mLoss->findData(int(core::MixtureLoss::Compete)));
    mLoss->setEnabled(isEnabled() &&
                      core::FitMethod(mFit->currentData().toInt()) == core::FitMethod::Gradient);
  });
}

void HmeOptionsBox::setConfig(const core::TrainConfig& c) {
  mDepth->setValue(c.model.depth);
  mBranching->setValue(c.model.branching);
  mFit->setCurrentIndex(mFit->findData(int(c.model.fit)));
  mLoss->setCurrentIndex(mLoss->findData(int(c.model.mixtureLoss)));
}

void HmeOptionsBox::apply(core::TrainConfig& c) const {
  c.model.depth = mDepth->value();
  c.model.branching = mBranching->value();
  c.model.fit = core::FitMethod(mFit->currentData().toInt());
  c.model.mixtureLoss = core::MixtureLoss(mLoss->currentData().toInt());
}

void HmeOptionsBox::updateEnabled(bool hme, bool linearExperts) {
  setEnabled(hme);
  setVisible(hme);
  // EM fits linear or logistic experts only (core/model/hme_em.h).
  if (!linearExperts && core::FitMethod(mFit->currentData().toInt()) == core::FitMethod::Em)
    mFit->setCurrentIndex(mFit->findData(int(core::FitMethod::Gradient)));
  if (auto* model = qobject_cast<QStandardItemModel*>(mFit->model()))
    if (QStandardItem* em = model->item(mFit->findData(int(core::FitMethod::Em))))
      em->setEnabled(linearExperts);
  mLoss->setEnabled(hme && core::FitMethod(mFit->currentData().toInt()) == core::FitMethod::Gradient);
}

}  // namespace moe::ui
