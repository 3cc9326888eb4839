#include "ui/testsetfilter.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>

#include "core/data/dataset.h"
#include "core/train/metrics.h"

namespace moe::ui {

TestSetFilter::TestSetFilter(const QString& classLabel, const QString& allClasses,
                             const QString& classObjectName, QWidget* parent)
    : QWidget(parent), mAll(allClasses) {
  mClass = new QComboBox(this);
  mClass->setObjectName(classObjectName);
  mExpert = new QComboBox(this);
  mExpert->setObjectName(QStringLiteral("expertFilter"));
  mMisclassified = new QCheckBox(tr("Misclassified only"), this);
  mCount = new QLabel(this);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(new QLabel(classLabel, this));
  layout->addWidget(mClass);
  layout->addWidget(new QLabel(tr("Expert:"), this));
  layout->addWidget(mExpert);
  layout->addWidget(mMisclassified);
  layout->addStretch(1);
  layout->addWidget(mCount);
  connect(mClass, &QComboBox::currentIndexChanged, this, &TestSetFilter::changed);
  connect(mExpert, &QComboBox::currentIndexChanged, this, &TestSetFilter::changed);
  connect(mMisclassified, &QCheckBox::toggled, this, &TestSetFilter::changed);
  rebuild({}, 0);
}

void TestSetFilter::rebuild(const QStringList& classNames, int experts) {
  const QSignalBlocker b1(mClass);
  const QSignalBlocker b2(mExpert);
  mClass->clear();
  mExpert->clear();
  mClass->addItem(mAll, -1);
  mExpert->addItem(tr("All experts"), -1);
  for (int c = 0; c < classNames.size(); ++c) mClass->addItem(classNames[c], c);
  for (int e = 0; e < experts; ++e) mExpert->addItem(tr("Expert %1").arg(e), e);
}

void TestSetFilter::set(int cls, int expert, bool misclassifiedOnly) {
  const QSignalBlocker b1(mClass);
  const QSignalBlocker b2(mExpert);
  const QSignalBlocker b3(mMisclassified);
  mClass->setCurrentIndex(std::max(0, mClass->findData(cls)));
  mExpert->setCurrentIndex(std::max(0, mExpert->findData(expert)));
  mMisclassified->setChecked(misclassifiedOnly);
}

int TestSetFilter::cls() const { return mClass->currentData().toInt(); }
int TestSetFilter::expert() const { return mExpert->currentData().toInt(); }
bool TestSetFilter::misclassifiedOnly() const { return mMisclassified->isChecked(); }
void TestSetFilter::setExpertToolTip(const QString& text) { mExpert->setToolTip(text); }
void TestSetFilter::setCountText(const QString& text) { mCount->setText(text); }

void TestSetFilter::showCount(const QString& counted, int matches, int limit,
                              const core::EvalReport* r) {
  QString text = counted;
  if (matches > limit) text += tr(", first %1 listed").arg(limit);
  if ((expert() >= 0 || misclassifiedOnly()) && !r)
    text = tr("Needs an evaluation: train first");
  else if (r)
    text += tr(" · evaluation at step %1").arg(r->step);
  mCount->setText(text);
}

std::vector<int> TestSetFilter::matches(const core::Dataset& test,
                                        const core::EvalReport* r) const {
  const int cls = this->cls(), expert = this->expert();
  const bool wrongOnly = misclassifiedOnly();
  const int k = r ? std::max(1, r->k) : 1;
  const bool haveRouting = r && int(r->topExperts.size()) >= test.rows() * k;
  const bool havePredictions = r && int(r->predictions.size()) >= test.rows();
  std::vector<int> out;
  for (int i = 0; i < test.rows(); ++i) {
    const int label = i < int(test.labels.size()) ? test.labels[std::size_t(i)] : -1;
    if (cls >= 0 && label != cls) continue;
    if (expert >= 0) {
      if (!haveRouting) continue;
      const auto* top = r->topExperts.data() + std::size_t(i) * std::size_t(k);
      if (std::find(top, top + k, expert) == top + k) continue;
    }
    if (wrongOnly && (!havePredictions || r->predictions[std::size_t(i)] == label)) continue;
    out.push_back(i);
  }
  return out;
}

}  // namespace moe::ui
